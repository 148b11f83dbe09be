package amalgam.io;

import amalgam.UserInputException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict JSON for files we do not trust: valid UTF-8, no duplicate keys, no trailing content, bounded nesting
 * (a deeply nested "JSON bomb" fails fast instead of exhausting the stack).
 */
public final class StrictJson {
    static final int MAX_NESTING = 64;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private StrictJson() {
    }

    /** Parses UTF-8 bytes; {@code what} names the file (and part) in the error. */
    public static JsonNode parse(byte[] bytes, String what) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UserInputException(what + " is not valid UTF-8");
        }
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            if (message.contains("Duplicate field")) {
                throw new UserInputException(what + " has a duplicate key: " + message);
            }
            throw new UserInputException(what + " is not valid JSON: " + message);
        }
    }
}
