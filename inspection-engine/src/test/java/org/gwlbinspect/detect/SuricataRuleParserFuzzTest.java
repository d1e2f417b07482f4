package org.gwlbinspect.detect;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Random;
import org.gwlbinspect.policy.PolicyException;
import org.junit.jupiter.api.Test;

/** Random mutations of valid rules are either accepted or rejected with a PolicyException, never anything else. */
class SuricataRuleParserFuzzTest {

    private static final String[] SEEDS = {
        "pass tls $HOME_NET any -> $EXTERNAL_NET any (ssl_state:client_hello; tls.sni; dotprefix; content:\".amazon.com\";"
                + " nocase; endswith; msg:\"matching TLS allowlisted FQDNs\"; priority:1; flow:to_server, established;"
                + " sid:1; rev:1;)",
        "drop http $HOME_NET any -> $EXTERNAL_NET any (http.header_names; content:\"|0d 0a|\"; startswith;"
                + " msg:\"not matching any HTTP allowlisted FQDNs\"; priority:1; flow:to_server, established; sid:3;)",
        "alert tcp $EXTERNAL_NET any -> $HTTP_SERVERS $HTTP_PORTS (msg:\".htpasswd access attempt\";"
                + " flow:to_server,established; content:\".htpasswd\"; nocase; sid:210503; rev:1;)",
        "alert tcp any any -> [10.0.0.0/8,!10.1.0.0/16,2001:db8::/32] [80,443,1024:2048,!1500] (content:\"GET \";"
                + " depth:4; content:\"HTTP/1.\"; distance:0; within:200; isdataat:!1,relative; pcre:\"/x+/iR\";"
                + " dsize:10<>500; ttl:>=3; flags:+SA,CE; sid:4;)",
        "drop http any any -> any any (http.host; pcre:\"/^\\d+$/\"; bsize:<64; flowbits:isset,a|b;"
                + " metadata:k v, k2 v2; reference:url,example.com; classtype:trojan-activity; sid:5;)",
    };

    private static final String ALPHABET = " ;:,\"\\|!$@[]()<>-/*+#\n0123456789abcdefxyzSAF.";

    @Test
    void mutatedRulesThrowOnlyPolicyException() {
        Random random = new Random(20240611L);
        for (int round = 0; round < 4000; round++) {
            String mutated = mutate(SEEDS[random.nextInt(SEEDS.length)], random);
            assertThatCode(() -> {
                        try {
                            Rules.parse(mutated);
                        } catch (PolicyException expected) {
                            if (expected.problems().isEmpty()) throw new AssertionError("no problems: " + mutated);
                        }
                    })
                    .as(mutated)
                    .doesNotThrowAnyException();
        }
    }

    private static String mutate(String rule, Random random) {
        StringBuilder out = new StringBuilder(rule);
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits && !out.isEmpty(); i++) {
            int at = random.nextInt(out.length());
            switch (random.nextInt(4)) {
                case 0 -> out.deleteCharAt(at);
                case 1 -> out.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> out.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                default -> out.delete(at, Math.min(out.length(), at + 1 + random.nextInt(12)));
            }
        }
        return out.toString();
    }
}
