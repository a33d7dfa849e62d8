import fc from 'fast-check';

// Property tests draw new cases on every run on a developer's machine, so rare failures get found there; in CI
// (CI=true) they use a fixed seed, so whether a submission lands does not depend on a lucky draw.
// FC_SEED=<n> replays a particular run anywhere.
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261124' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
