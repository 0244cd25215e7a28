// Public API of @gadugi/orchestrator.
export {};
