package dev.virtgate.cli.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.config.Service;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProblemRendererTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void titleDetailAndEachInvalidParam() throws Exception {
        String problem = """
                {"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"the request is not valid",
                 "invalidParams":[{"name":"fqdn","reason":"must be a fully qualified DNS name"}]}""";
        assertEquals("""
                migration-service: Unprocessable Entity (422): the request is not valid
                  fqdn: must be a fully qualified DNS name""",
                ProblemRenderer.render(Service.MIGRATION, 422, JSON.readTree(problem), problem));
    }

    @Test
    void unauthorizedSaysHowToGetAToken() {
        assertEquals("pki-service refused the credentials (401): the token is missing, expired or not signed by "
                + "this stack's key; get one with ./virtgate token operator <name>",
                ProblemRenderer.render(Service.PKI, 401, null, ""));
    }

    @Test
    void aBodyThatIsNotAProblemIsCutShortOnOneLine() {
        String html = "<html>\n<body>" + "x".repeat(300) + "</body></html>";
        String out = ProblemRenderer.render(Service.CREDENTIAL, 500, null, html);
        assertEquals("credential-service: HTTP 500: <html> <body>" + "x".repeat(187) + "...", out);
    }

    @Test
    void forbiddenWithoutBodyNamesTheRole() {
        assertEquals("migration-service: HTTP 403 (forbidden: this role may not do that)",
                ProblemRenderer.render(Service.MIGRATION, 403, null, null));
    }
}
