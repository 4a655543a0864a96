package io.github.scoresde.tools;

import io.github.scoresde.training.images.IdxFiles;
import io.github.scoresde.training.images.ImageFolder;
import io.github.scoresde.training.images.ImageSet;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CLI's image data specifications: {@code idx:DIR} (an MNIST-style folder, e.g. the Debian
 * package dataset-fashion-mnist's /usr/share/datasets/fashion-mnist), {@code idx:FILE} (one IDX
 * images file, labels from {@code --labels idx:FILE}) and {@code images:DIR} (a folder of PNG or
 * JPEG files, or of class sub-folders).
 */
final class ImageData {
    /** Where the Debian package dataset-fashion-mnist installs the set. */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** How to get Fashion-MNIST, for messages. */
    static final String HOW_TO_GET = "install it with 'apt-get install dataset-fashion-mnist' (it lands in "
            + FASHION_MNIST + ")";

    private ImageData() {
    }

    /** Whether a {@code --data} value names images. */
    static boolean isImages(String spec) {
        return spec != null && (spec.startsWith("idx:") || spec.startsWith("images:"));
    }

    /**
     * Reads images.
     *
     * @param spec {@code idx:DIR}, {@code idx:FILE} or {@code images:DIR}
     * @param labels {@code idx:FILE} or null
     * @param split which half of an MNIST-style folder
     */
    static ImageSet read(String spec, String labels, IdxFiles.Split split) {
        if (spec.startsWith("images:")) {
            if (labels != null) {
                throw new IllegalArgumentException("--labels is for idx: files; a folder of images takes its labels "
                        + "from class sub-folders");
            }
            return ImageFolder.read(Path.of(spec.substring("images:".length())));
        }
        Path p = Path.of(spec.substring("idx:".length()));
        if (Files.isDirectory(p)) {
            if (labels != null) {
                throw new IllegalArgumentException("--labels is for an idx: file; the folder " + p
                        + " holds its own labels");
            }
            return IdxFiles.readFolder(p, split);
        }
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("Cannot read " + p + ": no such file or folder"
                    + (p.startsWith(FASHION_MNIST) ? "; Fashion-MNIST is not installed: " + HOW_TO_GET : ""));
        }
        return IdxFiles.read(p, labels == null ? null : labelsPath(labels));
    }

    /** The file of a {@code --labels idx:FILE} value. */
    static Path labelsPath(String labels) {
        if (!labels.startsWith("idx:")) {
            throw new IllegalArgumentException("--labels must be idx:FILE; got \"" + labels + "\"");
        }
        return Path.of(labels.substring("idx:".length()));
    }
}
