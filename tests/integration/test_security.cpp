// Identity, direct messages and the defences, as a client sees them: tokens, nick ownership,
// dm, the Origin check, rate and connection limits, and /metrics.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "auth/jwt.hpp"
#include "harness.hpp"

namespace parley::test {
namespace {

const std::string secret = "integration-test-secret";

std::int64_t unix_now() {
    return auth::unix_now();
}

json hello_frame(const std::string& nick, std::optional<std::string> token = std::nullopt) {
    json frame{{"type", "hello"}, {"nick", nick}, {"id", "h"}};
    if (token) frame["token"] = *token;
    return frame;
}

// What every refused hello in token mode looks like: `unauthorized` for the hello, then 1008.
void expect_unauthorized(Client& client, const std::string& nick,
                         std::optional<std::string> token) {
    client.send(hello_frame(nick, std::move(token)));
    auto error = client.next_of_type("error");
    EXPECT_EQ(error["code"], "unauthorized");
    EXPECT_EQ(error["id"], "h");
    auto closed = client.wait_closed();
    EXPECT_EQ(closed.code, 1008);
    EXPECT_EQ(closed.reason, "unauthorized");
}

json say(const std::string& channel, const std::string& text, int id) {
    return json{{"type", "say"}, {"channel", channel}, {"text", text}, {"id", id}};
}

// ---- tokens --------------------------------------------------------------------------------

class TokenAuth : public ::testing::Test {
  protected:
    ServerProcess server{{"--auth-secret", secret}};
};

TEST_F(TokenAuth, AValidTokenFromParleyTokenIsWelcomed) {
    Client ann(server.port());
    auto welcome = ann.hello("ann", parley_token(secret, "ann"));
    EXPECT_EQ(welcome["type"], "welcome");
    EXPECT_EQ(welcome["nick"], "ann");
}

TEST_F(TokenAuth, AnExpiredTokenIsUnauthorized) {
    auto an_hour_ago = unix_now() - 3600;
    Client ann(server.port());
    expect_unauthorized(ann, "ann",
                        auth::sign_token(secret, "ann", std::chrono::minutes(5), an_hour_ago));
}

TEST_F(TokenAuth, AForgedSignatureIsUnauthorized) {
    Client other_secret(server.port());
    expect_unauthorized(
        other_secret, "ann",
        auth::sign_token("not-the-secret", "ann", std::chrono::hours(1), unix_now()));

    // A genuine token for bob whose claims are swapped for ann's: the signature no longer fits.
    auto genuine = auth::sign_token(secret, "bob", std::chrono::hours(1), unix_now());
    auto first_dot = genuine.find('.');
    auto second_dot = genuine.find('.', first_dot + 1);
    auto claims = auth::base64url_encode(
        json{{"sub", "ann"}, {"exp", unix_now() + 3600}, {"iat", unix_now()}}.dump());
    auto altered = genuine.substr(0, first_dot + 1) + claims + genuine.substr(second_dot);
    Client swapped(server.port());
    expect_unauthorized(swapped, "ann", altered);
}

TEST_F(TokenAuth, AnAlgNoneTokenIsUnauthorized) {
    auto header = auth::base64url_encode(R"({"alg":"none","typ":"JWT"})");
    auto claims = auth::base64url_encode(json{{"sub", "ann"}, {"exp", unix_now() + 3600}}.dump());
    Client unsigned_token(server.port());
    expect_unauthorized(unsigned_token, "ann", header + "." + claims + ".");
    // The same, carrying a real HS256 signature of those bytes: alg is checked, not guessed.
    auto genuine = auth::sign_token(secret, "ann", std::chrono::hours(1), unix_now());
    Client none_with_signature(server.port());
    expect_unauthorized(none_with_signature, "ann",
                        header + "." + claims + genuine.substr(genuine.rfind('.')));
}

TEST_F(TokenAuth, ATokenForAnotherNickIsUnauthorized) {
    Client ann(server.port());
    expect_unauthorized(ann, "ann", parley_token(secret, "bob"));
}

TEST_F(TokenAuth, AMissingTokenIsUnauthorizedAndClosed1008) {
    Client guest(server.port());
    expect_unauthorized(guest, "ann", std::nullopt);
    auto metrics = http_get(server.port(), "/metrics").body;
    EXPECT_NE(metrics.find("parley_refused_upgrades_total{reason=\"unauthorized\"} 1"),
              std::string::npos);
}

TEST_F(TokenAuth, ATokenMayComeInTheUrl) {
    Client ann(server.port(), "/ws?token=" + parley_token(secret, "ann"));
    auto welcome = ann.hello("ann");
    EXPECT_EQ(welcome["type"], "welcome");
    EXPECT_EQ(welcome["nick"], "ann");

    Client wrong(server.port(), "/ws?token=" + parley_token(secret, "bob"));
    expect_unauthorized(wrong, "ann", std::nullopt);
}

TEST_F(TokenAuth, TwoDevicesOfOneUserAreBothWelcomedAndBothGetDms) {
    Client phone(server.port()), laptop(server.port()), bob(server.port());
    EXPECT_EQ(phone.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    EXPECT_EQ(laptop.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    EXPECT_EQ(bob.hello("bob", parley_token(secret, "bob"))["type"], "welcome");

    // To ann: both of her connections get it.
    bob.send(json{{"type", "dm"}, {"to", "ann"}, {"text", "to both"}, {"id", 1}});
    for (auto* device : {&phone, &laptop}) {
        auto dm = device->next_of_type("dm");
        EXPECT_EQ(dm["from"], "bob");
        EXPECT_EQ(dm["to"], "ann");
        EXPECT_EQ(dm["text"], "to both");
    }
    EXPECT_EQ(bob.next_of_type("ok")["id"], 1);

    // From ann's phone: bob gets it, her laptop gets a copy, and the phone gets only the ok
    // (copies are queued before the ok, so one would have come first).
    phone.send(json{{"type", "dm"}, {"to", "bob"}, {"text", "from the phone"}, {"id", 2}});
    auto received = bob.next_of_type("dm");
    EXPECT_EQ(received["from"], "ann");
    EXPECT_EQ(received["text"], "from the phone");
    auto copy = laptop.next_of_type("dm");
    EXPECT_EQ(copy, received);
    auto ok = phone.next();
    ASSERT_TRUE(ok);
    EXPECT_EQ((*ok)["type"], "ok");
    EXPECT_EQ((*ok)["id"], 2);
    EXPECT_EQ((*ok)["ts"], received["ts"]);

    // A third connection with a token for bob cannot take ann's name.
    Client impostor(server.port());
    expect_unauthorized(impostor, "ann", parley_token(secret, "bob"));
}

// A token's subject that differs from a connected holder's only by case is another user whose
// nick collides: nick_taken, and none of ann's direct messages. Two tokens for the very same
// subject still share the nick (two devices).
TEST_F(TokenAuth, ATokenForTheSameNickInAnotherCaseIsTakenAndGetsNoneOfTheDms) {
    Client phone(server.port()), laptop(server.port()), other(server.port()), bob(server.port());
    EXPECT_EQ(phone.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    other.send(hello_frame("ANN", parley_token(secret, "ANN")));
    auto refused = other.next_where([](const json& f) { return f.value("id", "") == "h"; });
    EXPECT_EQ(refused.value("code", std::string("(none)")), "nick_taken") << refused.dump();
    EXPECT_EQ(laptop.hello("ann", parley_token(secret, "ann"))["type"], "welcome");
    EXPECT_EQ(bob.hello("bob", parley_token(secret, "bob"))["type"], "welcome");

    bob.send(json{{"type", "dm"}, {"to", "ann"}, {"text", "for ann only"}, {"id", 1}});
    EXPECT_EQ(bob.next_of_type("ok")["id"], 1);
    for (auto* device : {&phone, &laptop})
        EXPECT_EQ(device->next_of_type("dm")["text"], "for ann only");
    EXPECT_TRUE(other.nothing_within(300ms)) << "the refused connection got ann's dm";
}

// ---- nicks and direct messages in guest mode -----------------------------------------------

TEST(Identity, ANickInUseIsTakenWhateverItsCase) {
    ServerProcess server;
    Client ann(server.port()), other(server.port());
    ann.hello("ann");
    auto error = other.hello("ANN");
    EXPECT_EQ(error["type"], "error");
    EXPECT_EQ(error["code"], "nick_taken");
    // An error never closes: the same connection may try another nick.
    EXPECT_EQ(other.hello("ann2")["type"], "welcome");
}

TEST(DirectMessages, ADmReachesItsRecipientAndTheOkCarriesItsTs) {
    ServerProcess server;
    Client ann(server.port()), bob(server.port());
    ann.hello("ann");
    bob.hello("bob");
    ann.send(json{{"type", "dm"}, {"to", "BOB"}, {"text", "psst"}, {"id", "d1"}});
    auto dm = bob.next_of_type("dm");
    EXPECT_EQ(dm["from"], "ann");
    EXPECT_EQ(dm["to"], "bob");
    EXPECT_EQ(dm["text"], "psst");
    EXPECT_GT(dm["ts"].get<std::int64_t>(), 1'600'000'000'000);
    auto ok = ann.next_of_type("ok");
    EXPECT_EQ(ok["id"], "d1");
    EXPECT_EQ(ok["ts"], dm["ts"]);
    EXPECT_FALSE(ok.contains("seq"));
}

TEST(DirectMessages, ADmToANickNobodyUsesIsNoSuchUser) {
    ServerProcess server;
    Client ann(server.port());
    ann.hello("ann");
    ann.send(json{{"type", "dm"}, {"to", "nobody"}, {"text", "hello?"}, {"id", 5}});
    auto error = ann.next_of_type("error");
    EXPECT_EQ(error["code"], "no_such_user");
    EXPECT_EQ(error["id"], 5);
    EXPECT_FALSE(ann.is_closed());
}

// ---- /metrics ------------------------------------------------------------------------------

// Every sample of a Prometheus text exposition, by `name{labels}`. Fails the test on any line
// that is not valid text format or whose metric lacks # HELP and # TYPE.
std::map<std::string, double> parse_prometheus(const std::string& text) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
    static const std::regex type(
        R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*)?\})? (\S+))");
    std::set<std::string> helped, typed;
    std::map<std::string, double> samples;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::smatch match;
        if (line.rfind("# HELP ", 0) == 0) {
            EXPECT_TRUE(std::regex_match(line, match, help)) << line;
            helped.insert(match[1]);
            continue;
        }
        if (line.rfind("# TYPE ", 0) == 0) {
            EXPECT_TRUE(std::regex_match(line, match, type)) << line;
            typed.insert(match[1]);
            continue;
        }
        if (!std::regex_match(line, match, sample)) {
            ADD_FAILURE() << "not a Prometheus sample: '" << line << "'";
            continue;
        }
        std::string name = match[1];
        std::string value = match[5];
        char* end = nullptr;
        double number = std::strtod(value.c_str(), &end);
        EXPECT_TRUE(end == value.c_str() + value.size() && !value.empty()) << line;
        // A histogram's samples belong to the family without the suffix.
        std::string family = name;
        for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            std::string s = suffix;
            if (family.size() > s.size() && family.ends_with(s) &&
                typed.count(family.substr(0, family.size() - s.size())))
                family = family.substr(0, family.size() - s.size());
        }
        EXPECT_TRUE(helped.count(family)) << "no # HELP before " << line;
        EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
        samples[name + std::string(match[2])] = number;
    }
    return samples;
}

std::map<std::string, double> scrape(std::uint16_t port) {
    auto response = http_get(port, "/metrics");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.header("Content-Type").rfind("text/plain", 0), 0u);
    return parse_prometheus(response.body);
}

// Counters that follow an event the client has already seen the end of may be bumped a moment
// later (a close is counted when the server's side of it finishes): poll for them.
double wait_for_metric(std::uint16_t port, const std::string& sample, double expected) {
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    double value = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        value = scrape(port)[sample];
        if (value == expected) break;
        std::this_thread::sleep_for(20ms);
    }
    return value;
}

TEST(Metrics, TheEndpointIsValidPrometheusText) {
    ServerProcess server;
    auto samples = scrape(server.port());
    for (const char* name :
         {"parley_connections_open", "parley_connections_total", "parley_messages_in_total",
          "parley_bytes_out_total", "parley_fanout_deliveries_total", "parley_queue_bytes",
          "parley_errors_total{code=\"rate_limited\"}", "parley_closes_total{code=\"1013\"}",
          "parley_refused_upgrades_total{reason=\"origin\"}"})
        EXPECT_TRUE(samples.count(name)) << name;
    for (const auto& [name, value] : samples)
        if (name.find("_total") != std::string::npos) {
            EXPECT_GE(value, 0) << name;
        }
}

TEST(Metrics, CountersMoveWhenTheEventsHappen) {
    ServerProcess server;
    auto port = server.port();
    auto before = scrape(port);

    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    ann.join("general");
    bob.join("general");
    ann.send(say("general", "counted", 1));
    bob.next_of_type("message");
    ann.next_of_type("ok");
    ann.send(std::string("not json"));
    EXPECT_EQ(ann.next_of_type("error")["code"], "bad_json");
    {
        Client binary(port);
        binary.send_binary("\x01");
        EXPECT_EQ(binary.wait_closed().code, 1003);
    }
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://evil.example"}}), 403);

    auto closes = "parley_closes_total{code=\"1003\"}";
    EXPECT_EQ(wait_for_metric(port, closes, before[closes] + 1), before[closes] + 1);
    auto after = scrape(port);
    auto delta = [&](const std::string& name) { return after[name] - before[name]; };
    EXPECT_EQ(delta("parley_connections_total"), 3);
    EXPECT_EQ(wait_for_metric(port, "parley_connections_open", 2), 2);
    EXPECT_GE(delta("parley_messages_in_total"), 6);  // 2 hello, 2 join, say, bad json, binary
    EXPECT_EQ(delta("parley_fanout_deliveries_total"), 2);  // one message, two members
    EXPECT_EQ(delta("parley_messages_stored_total"), 1);
    EXPECT_EQ(delta("parley_errors_total{code=\"bad_json\"}"), 1);
    EXPECT_EQ(delta("parley_refused_upgrades_total{reason=\"origin\"}"), 1);
    EXPECT_GT(delta("parley_bytes_out_total"), 0);
}

TEST(Metrics, AMetricsTokenProtectsTheEndpoint) {
    ServerProcess server{{"--metrics-token", "scrape-me"}};
    EXPECT_EQ(http_get(server.port(), "/metrics").status, 401);
    EXPECT_EQ(
        http_get(server.port(), "/metrics", "GET", {{"Authorization", "Bearer wrong"}}).status,
        401);
    auto allowed =
        http_get(server.port(), "/metrics", "GET", {{"Authorization", "Bearer scrape-me"}});
    EXPECT_EQ(allowed.status, 200);
    EXPECT_NE(allowed.body.find("parley_connections_total"), std::string::npos);
    EXPECT_EQ(http_get(server.port(), "/metrics?token=scrape-me").status, 200);
    EXPECT_EQ(http_get(server.port(), "/healthz").status, 200);  // only /metrics is protected
}

// ---- Origin --------------------------------------------------------------------------------

TEST(Origin, AForeignOriginGets403AndIsCounted) {
    ServerProcess server;
    auto port = server.port();
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://evil.example"}}), 403);
    // Same host, other port: another origin.
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://127.0.0.1:1"}}), 403);
    EXPECT_THROW(Client(port, "/ws", {{"Origin", "https://evil.example"}}), std::exception);
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"origin\"}"], 3);
}

TEST(Origin, SameOriginAndNoOriginAreAccepted) {
    ServerProcess server;
    auto port = server.port();
    auto same_origin = "http://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", same_origin}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws"), 101);
    Client page(port, "/ws", {{"Origin", same_origin}});
    EXPECT_EQ(page.hello("ann")["type"], "welcome");
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"origin\"}"], 0);
}

TEST(Origin, AllowedOriginsExtendTheList) {
    ServerProcess server{{"--allowed-origins", "https://chat.example,http://localhost:3000"}};
    auto port = server.port();
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "https://chat.example"}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://localhost:3000"}}), 101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "http://127.0.0.1:" + std::to_string(port)}}),
              101);
    EXPECT_EQ(upgrade_status(port, "/ws", {{"Origin", "https://evil.example"}}), 403);
}

TEST(Origin, AStarAllowsEveryOriginWithAWarning) {
    ServerProcess server{{"--allowed-origins", "*"}};
    EXPECT_EQ(upgrade_status(server.port(), "/ws", {{"Origin", "https://evil.example"}}), 101);
    EXPECT_TRUE(server.wait_for_log("--allowed-origins '*'"));
}

// ---- rate limits ---------------------------------------------------------------------------

// With --rate-per-sec 5 and --burst 10 the flood threshold is 10 + 5 × 5/s × 3 s = 85 messages
// in quick succession (auth/rate_limiter.hpp): of the 300 the flooder sends as fast as it can,
// the server must answer fewer than 100 (ok or rate_limited) before closing it 1008, and ignore
// the rest. The flooder runs on its own thread, so its pace does not depend on the rest of the
// test. Meanwhile bob's messages must reach carol within one second each, which is the bound
// asserted: a flooder costs others nothing visible. Bob sends at most 8 plus one, within his own
// burst of 10.
TEST(RateLimit, AFlooderIsRateLimitedThenClosed1008WhileOthersChatOnTime) {
    ServerProcess server{{"--rate-per-sec", "5", "--burst", "10"}};
    Client flooder(server.port()), bob(server.port()), carol(server.port());
    flooder.hello("flooder");
    bob.hello("bob");
    carol.hello("carol");
    for (auto* client : {&flooder, &bob, &carol}) client->join("general");

    constexpr int max_flood = 300;
    constexpr int max_probes = 8;
    constexpr auto on_time = 1000ms;
    std::atomic<bool> flood_over{false};
    int sent = 0;
    std::thread flood([&] {
        for (; sent < max_flood && !flooder.is_closed(); ++sent) {
            try {
                flooder.send(say("general", "spam", 1000 + sent));
            } catch (const std::exception&) {
                break;  // the server closed it while we were sending
            }
        }
        flood_over = true;
    });

    int bob_id = 0;
    std::chrono::milliseconds worst{0};
    try {
        while (bob_id < max_probes && (!flood_over || bob_id < 3)) {
            ++bob_id;
            auto text = "still here " + std::to_string(bob_id);
            auto start = std::chrono::steady_clock::now();
            bob.send(say("general", text, bob_id));
            carol.next_where([&](const json& f) { return f.value("text", "") == text; });
            worst = std::max(worst, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - start));
        }
    } catch (const std::exception& e) {
        ADD_FAILURE() << "bob's message " << bob_id << " did not reach carol: " << e.what();
    }
    flood.join();

    auto rate_limited = flooder.next_where([](const json& f) {
        return f.value("type", "") == "error" && f["code"] == "rate_limited";
    });
    EXPECT_EQ(rate_limited["message"].get<std::string>().empty(), false);
    auto closed = flooder.wait_closed();
    EXPECT_EQ(closed.code, 1008);
    EXPECT_EQ(closed.reason, "flooding");
    int answered = 1;  // the rate_limited above
    while (auto frame = flooder.next(0ms))
        if (frame->value("id", 0) >= 1000) ++answered;
    EXPECT_GE(answered, 10) << "the burst is accepted";
    EXPECT_LT(answered, 100) << "flood messages handled before the close";
    EXPECT_LT(worst, on_time) << "slowest of bob's messages to carol";

    // Life goes on for the others after the flooder is gone.
    bob.send(say("general", "after", 99));
    auto ok = bob.next_where([](const json& f) { return f.value("id", 0) == 99; });
    EXPECT_EQ(ok["type"], "ok") << ok.dump();
    carol.next_where([](const json& f) { return f.value("text", "") == "after"; });
    auto samples = scrape(server.port());
    EXPECT_GE(samples["parley_errors_total{code=\"rate_limited\"}"], 1);
    EXPECT_EQ(wait_for_metric(server.port(), "parley_closes_total{code=\"1008\"}", 1), 1);
}

// ---- connection limits ---------------------------------------------------------------------

TEST(ConnectionLimits, AThirdConnectionFromOneAddressIsClosedAtOnceAndCounted) {
    ServerProcess server{{"--max-connections-per-ip", "2"}};
    auto port = server.port();
    auto first = std::make_unique<Client>(port);
    Client second(port);
    first->hello("ann");
    second.hello("bob");
    // Every connection counts, upgraded or not: the third is closed before it is read.
    EXPECT_EQ(upgrade_status(port), 0);
    EXPECT_EQ(http_get(port, "/healthz").status, 0);
    {
        // Another address is not held back by this one.
        FromAddress elsewhere("127.0.0.2");
        EXPECT_EQ(http_get(port, "/healthz").status, 200);
        EXPECT_EQ(scrape(port)["parley_refused_connections_total{limit=\"per_ip\"}"], 2);
    }

    // Once one leaves, a new one is admitted (the release is asynchronous: retry a while).
    first.reset();
    auto deadline = std::chrono::steady_clock::now() + default_timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline && (status = upgrade_status(port)) != 101)
        std::this_thread::sleep_for(20ms);
    EXPECT_EQ(status, 101);
}

TEST(ConnectionLimits, MaxConnectionsCapsTheTotal) {
    ServerProcess server{{"--max-connections", "2"}};
    auto port = server.port();
    Client ann(port), bob(port);
    ann.hello("ann");
    bob.hello("bob");
    EXPECT_EQ(upgrade_status(port), 503);
    EXPECT_THROW(Client{port}, std::exception);
    EXPECT_EQ(scrape(port)["parley_refused_upgrades_total{reason=\"max_connections\"}"], 2);
    // The two already in keep chatting.
    ann.join("general");
    bob.join("general");
    ann.send(say("general", "fine", 1));
    EXPECT_EQ(bob.next_of_type("message")["text"], "fine");
}

}  // namespace
}  // namespace parley::test
