// Public API of @gadugi/state.
export {};
