// Public API of @gadugi/git.
export {};
