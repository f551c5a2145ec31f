// Self-checks of the welcome scenario's parts: its options, reading a token's nick, and the
// check every timed welcome goes through.
#include <string>
#include <vector>

#include "json_scan.hpp"
#include "selftest_check.hpp"
#include "welcome.hpp"

namespace {

// A token for "Ann_2" (the signature is the server's business, not the tool's).
constexpr const char* ann_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJBbm5fMiIsImV4cCI6NDEwMjQ0NDgwMH0.sig";

void test_welcome_options() {
    const auto welcome = parse({"welcome", "--token", ann_token});
    CHECK(welcome.scenario == bench::Scenario::welcome && welcome.tokens.size() == 1);
    CHECK(welcome.channels == 100 && welcome.conversations == 50 && welcome.messages == 20);
    CHECK(welcome.clients == 4 && welcome.senders == 0 && welcome.warmup_s == 1);
    const auto two = parse({"welcome", "--token", ann_token, "--token", ann_token, "--channels",
                            "10", "--conversations", "0", "--data", "/x/p.db"});
    CHECK(two.tokens.size() == 2 && two.channels == 10 && two.conversations == 0);
    CHECK(usage_error({"welcome"}));                          // no token
    CHECK(usage_error({"welcome", "--token", "not-a-jwt"}));  // no subject to log in as
    CHECK(usage_error({"welcome", "--token", "a.eyJleHAiOjQxMDI0NDQ4MDB9.c"}));  // no "sub"
    CHECK(usage_error({"welcome", "--token", ann_token, "--rate", "5"}));
    CHECK(usage_error({"fanout", "--token", ann_token}));
    CHECK(usage_error({"history", "--conversations", "5"}));
    CHECK(usage_error({"rooms", "--data", "/x/p.db"}));
}

void test_token_subject() {
    CHECK(bench::token_subject(ann_token) == "Ann_2");
}

void test_json_array() {
    std::vector<std::string> items;
    CHECK(bench::visit_json_array(R"( [ {"a":[1,2]}, "x,]" ,3 ] )",
                                  [&](std::string_view item) { items.emplace_back(item); }));
    CHECK((items == std::vector<std::string>{R"({"a":[1,2]})", R"("x,]")", "3"}));
    CHECK(bench::visit_json_array("[]", [](std::string_view) {}));
    CHECK(!bench::visit_json_array("[1,", [](std::string_view) {}));
    CHECK(!bench::visit_json_array("{}", [](std::string_view) {}));
}

void test_check_welcome() {
    bench::WelcomeUser user;
    user.nick = "Ann_2";
    user.channels = {{"a", 21, 20, 5}, {"b", 2000, 1999, 1000}};
    user.conversations = {{"bob", 3}};
    const std::string channels =
        R"("channels":[{"channel":"a","last_seq":21,"mentions":5,"read_seq":0,"unread":20},)"
        R"({"channel":"b","last_seq":2000,"mentions":999,"read_seq":0,"unread":999}])";
    const std::string bob = R"({"last_seq":3,"read_seq":0,"unread":3,"with":"bob"})";
    const std::string older = R"({"last_seq":9,"read_seq":9,"unread":0,"with":"eve"})";
    const auto welcome = [&](const std::string& members) {
        return R"({"account":true,"nick":"Ann_2",)" + members + R"(,"type":"welcome"})";
    };
    CHECK(bench::check_welcome(welcome(channels + R"(,"conversations":[)" + bob + "]"), user)
              .empty());
    // A conversation from an earlier run may come first (newest first): still right.
    CHECK(bench::check_welcome(
              welcome(channels + R"(,"conversations":[)" + older + "," + bob + "]"), user)
              .empty());
    CHECK(!bench::check_welcome(welcome(channels + R"(,"conversations":[)" + older + "]"), user)
               .empty());
    auto wrong_unread = channels;
    wrong_unread.replace(wrong_unread.find("\"unread\":20"), 11, "\"unread\":19");
    CHECK(bench::check_welcome(welcome(wrong_unread + R"(,"conversations":[)" + bob + "]"), user)
              .find("unread 19") != std::string::npos);
    auto read_bob = bob;
    read_bob.replace(read_bob.find("\"read_seq\":0"), 12, "\"read_seq\":1");
    CHECK(!bench::check_welcome(welcome(channels + R"(,"conversations":[)" + read_bob + "]"), user)
               .empty());
    // Join order matters; a missing channel is wrong; a guest's welcome is wrong.
    user.channels = {user.channels[1], user.channels[0]};
    CHECK(!bench::check_welcome(welcome(channels + R"(,"conversations":[)" + bob + "]"), user)
               .empty());
    user.channels.push_back({"c", 1, 0, 0});
    CHECK(!bench::check_welcome(welcome(channels + R"(,"conversations":[)" + bob + "]"), user)
               .empty());
    CHECK(!bench::check_welcome(R"({"account":false,"dms":[],"type":"welcome"})", user).empty());
    CHECK(!bench::check_welcome("not json", user).empty());
}

}  // namespace

void test_welcome() {
    test_welcome_options();
    test_token_subject();
    test_json_array();
    test_check_welcome();
}
