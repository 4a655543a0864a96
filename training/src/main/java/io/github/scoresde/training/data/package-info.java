/** Training data: the toy data sets generated in code, CSV files, DL4J iterators, and scalers. */
package io.github.scoresde.training.data;
