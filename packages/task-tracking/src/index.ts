// Public API of @gadugi/task-tracking.
export {};
