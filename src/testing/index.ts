export { storeConformance, type ConformanceCheck, type ConformanceOptions } from './conformance/index.ts';
