/**
 * Image data: {@link io.github.scoresde.training.images.ImageSet} (8-bit images in memory),
 * readers for IDX files ({@link io.github.scoresde.training.images.IdxFiles}, the MNIST and
 * Fashion-MNIST format) and folders of PNG/JPEG files
 * ({@link io.github.scoresde.training.images.ImageFolder}), and
 * {@link io.github.scoresde.training.images.ImageSource}, which turns a set into training batches
 * (pixel scaling, uniform dequantisation, random flips) for the trainer.
 */
package io.github.scoresde.training.images;
