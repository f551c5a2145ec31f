// A private channel's messages reach its members only, by every path that reads them: the
// `history` command, `join` with `since`, `who`, `channels`, and the HTTP API with or without a
// token. And with guests off, the HTTP API asks for a token.
#include <gtest/gtest.h>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

const std::string secret_text = "the launch moves to Tuesday";

// ann owns the private channel "staff" and has said secret_text there.
struct Staff {
    explicit Staff(std::vector<std::string> args = {}) : server(std::move(args)) {
        ann = signed_up(server.port(), "ann");
        auto created = request(*ann, {{"type", "create"}, {"channel", "staff"}, {"private", true}});
        if (created.value("type", "") != "joined") throw std::runtime_error(created.dump());
        request(*ann, {{"type", "say"}, {"channel", "staff"}, {"text", secret_text}});
        ann_token = api_login(server.port(), "ann", password_for("ann"))["token"];
    }
    ServerProcess server;
    std::unique_ptr<Client> ann;
    std::string ann_token;
};

// Every way `reader` could read staff's messages or members is refused, and nothing it was
// sent contains the secret.
void expect_shut_out(Client& reader) {
    EXPECT_EQ(code_of(request(reader, {{"type", "history"}, {"channel", "staff"}})), "forbidden");
    EXPECT_EQ(code_of(request(reader, {{"type", "join"}, {"channel", "staff"}, {"since", 0}})),
              "forbidden");
    EXPECT_EQ(code_of(request(reader, {{"type", "who"}, {"channel", "staff"}})), "forbidden");
    auto listed = request(reader, {{"type", "channels"}});
    ASSERT_EQ(listed["type"], "channels");
    for (const auto& channel : listed["channels"]) EXPECT_NE(channel["name"], "staff");
    EXPECT_TRUE(reader.nothing_within(std::chrono::milliseconds(200)));
}

TEST(PrivateHistory, AGuestCannotReadAPrivateChannelByAnyPath) {
    Staff staff;
    auto visitor = guest(staff.server.port(), "visitor");
    expect_shut_out(*visitor);
    auto page = get_with_token(staff.server.port(), "/api/channels/staff/messages", "");
    EXPECT_EQ(page.status, 404);  // as for a channel that does not exist
    EXPECT_EQ(page.body.find(secret_text), std::string::npos);
    EXPECT_EQ(page.body,
              get_with_token(staff.server.port(), "/api/channels/nothing/messages", "").body);
}

TEST(PrivateHistory, AnAccountThatIsNotAMemberCannotReadItEither) {
    Staff staff;
    auto bob = signed_up(staff.server.port(), "bob");
    expect_shut_out(*bob);
    auto bob_token = api_login(staff.server.port(), "bob", password_for("bob"))["token"];
    auto page = get_with_token(staff.server.port(), "/api/channels/staff/messages", bob_token);
    EXPECT_EQ(page.status, 404);
    EXPECT_EQ(page.body.find(secret_text), std::string::npos);
    // A forged or foreign token is refused as such, not let through as a guest.
    EXPECT_EQ(
        get_with_token(staff.server.port(), "/api/channels/staff/messages", "not.a.token").status,
        401);
}

TEST(PrivateHistory, MembersReadItAndAKickedMemberNoLonger) {
    Staff staff;
    auto page =
        get_with_token(staff.server.port(), "/api/channels/staff/messages", staff.ann_token);
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find(secret_text), std::string::npos);

    auto bob = signed_up(staff.server.port(), "bob");
    act(*staff.ann, "invite", "staff", "bob");
    // An invitation lets bob join, and joining makes the history readable.
    auto joined = request(*bob, {{"type", "join"}, {"channel", "staff"}, {"since", 0}});
    ASSERT_EQ(joined["type"], "joined") << joined.dump();
    EXPECT_EQ(joined["history"][0]["text"], secret_text);
    auto history = request(*bob, {{"type", "history"}, {"channel", "staff"}});
    EXPECT_EQ(history["messages"][0]["text"], secret_text) << history.dump();
    auto bob_token = api_login(staff.server.port(), "bob", password_for("bob"))["token"];
    EXPECT_EQ(get_with_token(staff.server.port(), "/api/channels/staff/messages", bob_token).status,
              200);
    auto listed = request(*bob, {{"type", "channels"}});
    EXPECT_NE(listed.dump().find("\"staff\""), std::string::npos);

    act(*staff.ann, "kick", "staff", "bob");
    bob->next_of_type("kicked");
    expect_shut_out(*bob);
    EXPECT_EQ(get_with_token(staff.server.port(), "/api/channels/staff/messages", bob_token).status,
              404);
}

TEST(PrivateHistory, WithGuestsOffTheHttpApiNeedsAToken) {
    Staff staff{{"--guests", "false"}};
    request(*staff.ann, {{"type", "join"}, {"channel", "lobby"}});
    request(*staff.ann, {{"type", "say"}, {"channel", "lobby"}, {"text", "public words"}});
    auto without = get_with_token(staff.server.port(), "/api/channels/lobby/messages", "");
    EXPECT_EQ(without.status, 401);
    EXPECT_EQ(without.body.find("public words"), std::string::npos);
    auto with =
        get_with_token(staff.server.port(), "/api/channels/lobby/messages", staff.ann_token);
    EXPECT_EQ(with.status, 200);
    EXPECT_NE(with.body.find("public words"), std::string::npos);
}

}  // namespace
}  // namespace parley::test
