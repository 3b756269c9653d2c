// Random `adjective-stone` aliases for keys that get none, in the reference CLI's style.
// The word lists are our own; only the shape of the name matters for compatibility.
import { randomInt } from 'node:crypto'

const ADJECTIVES = [
  'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'crisp', 'daring', 'eager', 'elated', 'epic', 'fancy',
  'fearless', 'festive', 'gentle', 'glad', 'golden', 'happy', 'hardy', 'humble', 'jolly', 'keen', 'kind', 'lively',
  'loyal', 'lucid', 'merry', 'mighty', 'modest', 'nimble', 'noble', 'patient', 'peaceful', 'polite', 'proud', 'quick',
  'quiet', 'radiant', 'rapid', 'serene', 'sharp', 'shiny', 'silent', 'sleek', 'smart', 'snappy', 'solid', 'steady',
  'sunny', 'swift', 'tender', 'tidy', 'upbeat', 'vivid', 'warm', 'wise', 'witty', 'zealous',
]
const STONES = [
  'agate', 'amber', 'amethyst', 'aquamarine', 'beryl', 'bloodstone', 'carnelian', 'chalcedony', 'citrine', 'coral',
  'diamond', 'emerald', 'garnet', 'hematite', 'jade', 'jasper', 'jet', 'kunzite', 'labradorite', 'lapis', 'malachite',
  'moonstone', 'obsidian', 'onyx', 'opal', 'pearl', 'peridot', 'pyrite', 'quartz', 'ruby', 'sapphire', 'spinel',
  'sunstone', 'tanzanite', 'topaz', 'tourmaline', 'turquoise', 'zircon',
]

/** Random tries before the free pairs are listed; with the keystore's 1,024-key cap most succeed at once. */
const RANDOM_TRIES = 16

/** A fresh `adjective-stone` name not in `taken`. */
export function randomAlias(taken: ReadonlySet<string>): string {
  for (let i = 0; i < RANDOM_TRIES; i++) {
    const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${STONES[randomInt(STONES.length)]}`
    if (!taken.has(name)) return name
  }
  // Most pairs are taken: pick among the free ones (one pass, not thousands of blind tries).
  const free = ADJECTIVES.flatMap((a) => STONES.map((s) => `${a}-${s}`)).filter((name) => !taken.has(name))
  if (free.length > 0) return free[randomInt(free.length)]!
  // Every pair is taken: add a numeric suffix (still a valid alias).
  let n = 1
  while (taken.has(`key-${n}`)) n++
  return `key-${n}`
}
