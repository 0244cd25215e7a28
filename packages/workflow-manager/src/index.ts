// Public API of @gadugi/workflow-manager.
export {};
