export * from './codec.js';
export * from './codes.js';
