// Public API of @gadugi/execution-monitor.
export {};
