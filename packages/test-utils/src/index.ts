// Public API of @gadugi/test-utils.
export {};
