export * from './test-environment';
export * from './eventually';
export * from './stream-reader';
export * from './json';
export * from './percentile';
export * from './http-client';
export * from './sse-client';
export * from './browser';
