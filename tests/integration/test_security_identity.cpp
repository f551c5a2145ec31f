// Identity and direct messages, as a client sees them: tokens, nick ownership and dm.
#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "harness.hpp"
#include "support.hpp"

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
    expect_dm_reaches_only_the_same_subject(secret, refused, phone, laptop, bob, other);
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
    // The first of their conversation, numbered on both sides alike.
    EXPECT_EQ(dm["seq"], 1);
    EXPECT_EQ(ok["seq"], 1);
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

}  // namespace
}  // namespace parley::test
