// Test helpers live behind their own entry point so services never load them in production.
export * from './src/testing';
