// Public API of @gadugi/worktree-manager.
export {};
