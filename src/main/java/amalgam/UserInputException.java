package amalgam;

/**
 * Bad input from the user: a malformed or unreadable file, an unknown method or parameter, incompatible
 * models. The CLI maps it to exit code 2 and prints only its message (a stack trace only with --debug), so
 * the message must name the file, tensor or key at fault.
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
