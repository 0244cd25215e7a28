// Public API of @gadugi/github-ops.
export {};
