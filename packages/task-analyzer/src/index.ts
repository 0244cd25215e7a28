// Public API of @gadugi/task-analyzer.
export {};
