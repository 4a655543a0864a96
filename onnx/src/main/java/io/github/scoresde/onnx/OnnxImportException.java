package io.github.scoresde.onnx;

/**
 * An ONNX file that cannot be imported: not an ONNX model, an operator the importer cannot map
 * (named with its node), inputs or outputs that do not match the declarations. A bad argument,
 * like every unreadable file of the library.
 */
public class OnnxImportException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the file, operator or node */
    public OnnxImportException(String message) {
        super(message);
    }

    /** @param message what is wrong; @param cause the importer's failure */
    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
