// Public API of @gadugi/agents.
export {};
