export {
  startScoringService,
  DEFAULT_CACHE_BYTES,
  DEFAULT_MAX_CONCURRENT,
  DEFAULT_MAX_WEIGHTS_BYTES,
  DEFAULT_SCORING_PORT,
  MAX_MODELS_PER_REQUEST,
  type ScoringService,
  type ScoringServiceOptions,
  type ScoringServiceStats,
  type StopOptions,
} from './service.js'
export { ModelCache, modelBytes, type ModelCacheStats } from './model-cache.js'
export { DEFAULT_DISK_CACHE_BYTES, WeightsDiskCache, type WeightsDiskCacheStats } from './disk-cache.js'
