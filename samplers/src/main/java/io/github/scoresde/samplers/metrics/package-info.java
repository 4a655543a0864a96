/** Sample-quality metrics: sliced Wasserstein-1, mode-weight error, kernel MMD. */
package io.github.scoresde.samplers.metrics;
