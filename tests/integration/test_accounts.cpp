// Accounts on one node: registering, logging in by password or token, changing the password,
// guests under registered nicks, servers without guests or open registration, and the limits on
// failed logins.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "accounts_support.hpp"

namespace parley::test {
namespace {

const std::string good = "correct horse battery";

// One column of one row from a SQLite file the server has stopped using.
std::string sqlite_value(const std::string& file, const std::string& query) {
    sqlite3* db = nullptr;
    std::string value;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* statement = nullptr;
        if (sqlite3_prepare_v2(db, query.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
            sqlite3_step(statement) == SQLITE_ROW)
            value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
        sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    return value;
}

TEST(Accounts, ARegisteredUserLogsInWithItsPasswordOnAnotherConnection) {
    ServerProcess server;
    Client first(server.port());
    auto welcome = register_account(first, "Ann", good);
    ASSERT_EQ(welcome["type"], "welcome") << welcome.dump();
    EXPECT_EQ(welcome["nick"], "Ann");
    EXPECT_EQ(welcome["account"], true);
    EXPECT_EQ(welcome["admin"], false);

    Client second(server.port());
    auto again = log_in(second, "ann", good);  // any case of the nick
    ASSERT_EQ(again["type"], "welcome") << again.dump();
    EXPECT_EQ(again["nick"], "Ann");
    EXPECT_EQ(again["account"], true);

    // Both devices chat as Ann.
    first.join("lobby");
    second.join("lobby");
    EXPECT_EQ(request(first, {{"type", "say"}, {"channel", "lobby"}, {"text", "hi"}})["type"],
              "ok");
    EXPECT_EQ(second.next_of_type("message")["from"], "Ann");
}

TEST(Accounts, AWrongPasswordIsUnauthorizedAndClosed1008) {
    ServerProcess server;
    Client owner(server.port());
    ASSERT_EQ(register_account(owner, "ann", good)["type"], "welcome");
    for (const auto* nick : {"ann", "nobody"}) {  // the same answer whether the account exists
        Client guesser(server.port());
        auto reply = log_in(guesser, nick, "wrong password");
        EXPECT_EQ(code_of(reply), "unauthorized") << nick;
        EXPECT_EQ(reply["message"], "wrong nick or password");
        EXPECT_EQ(guesser.wait_closed().code, 1008) << nick;
    }
}

TEST(Accounts, AGuestHelloForARegisteredNickIsNickRegisteredAndMayRetry) {
    ServerProcess server;
    {
        Client owner(server.port());
        ASSERT_EQ(register_account(owner, "ann", good)["type"], "welcome");
    }
    Client client(server.port());
    EXPECT_EQ(code_of(request(client, {{"type", "hello"}, {"nick", "ANN"}})), "nick_registered");
    // Still open: the same connection logs in.
    auto welcome = log_in(client, "ann", good);
    EXPECT_EQ(welcome["type"], "welcome") << welcome.dump();
}

TEST(Accounts, ANickThatIsRegisteredOrHeldByAGuestCannotBeRegistered) {
    ServerProcess server;
    Client owner(server.port()), guest(server.port());
    ASSERT_EQ(register_account(owner, "ann", good)["type"], "welcome");
    guest.hello("bob");

    Client late(server.port());
    EXPECT_EQ(code_of(register_account(late, "Ann", good)), "nick_taken");
    EXPECT_EQ(code_of(register_account(late, "BOB", good)), "nick_taken");
    EXPECT_EQ(code_of(register_account(late, "no spaces", good)), "nick_invalid");
    // Nothing was lost: the connection registers a free nick after all that.
    EXPECT_EQ(register_account(late, "carol", good)["type"], "welcome");
}

TEST(Accounts, APasswordHasEightTo128Characters) {
    ServerProcess server;
    Client client(server.port());
    EXPECT_EQ(code_of(register_account(client, "ann", "seven77")), "password_invalid");
    EXPECT_EQ(code_of(register_account(client, "ann", std::string(129, 'x'))), "password_invalid");
    // Characters, not bytes: eight of them in 16 bytes.
    EXPECT_EQ(register_account(client, "ann", "ééééé😀😀😀")["type"], "welcome");
    Client other(server.port());
    EXPECT_EQ(register_account(other, "bob", std::string(128, 'x'))["type"], "welcome");
}

TEST(Accounts, ThePasswordChangesWithTheOldOne) {
    ServerProcess server;
    Client ann(server.port());
    ASSERT_EQ(register_account(ann, "ann", good)["type"], "welcome");
    auto change = [&](const std::string& old_password, const std::string& new_password) {
        return request(ann, {{"type", "password"}, {"old", old_password}, {"new", new_password}});
    };
    EXPECT_EQ(code_of(change("not the password", "a new password")), "unauthorized");
    EXPECT_FALSE(ann.is_closed());  // a mistake, not an attack: the connection stays
    EXPECT_EQ(code_of(change(good, "short")), "password_invalid");
    EXPECT_EQ(change(good, "a new password")["type"], "ok");

    Client old_way(server.port()), new_way(server.port());
    EXPECT_EQ(code_of(log_in(old_way, "ann", good)), "unauthorized");
    EXPECT_EQ(log_in(new_way, "ann", "a new password")["type"], "welcome");

    Client guest(server.port());
    guest.hello("bob");
    EXPECT_EQ(code_of(request(guest, {{"type", "password"}, {"old", good}, {"new", good}})),
              "forbidden");
}

TEST(Accounts, TheStoredPasswordIsAnArgon2idString) {
    TempDir dir;
    auto data = dir.file("parley.db");
    {
        ServerProcess server{{"--data", data}};
        Client ann(server.port());
        ASSERT_EQ(register_account(ann, "ann", good)["type"], "welcome");
        EXPECT_EQ(server.stop(), 0);
        EXPECT_EQ(server.logs().find(good), std::string::npos) << "the password was logged";
    }
    auto stored = sqlite_value(data, "SELECT password_hash FROM accounts WHERE key = 'ann'");
    EXPECT_EQ(stored.rfind("$argon2id$", 0), 0u) << stored;
    EXPECT_EQ(stored.find(good), std::string::npos);
}

TEST(Accounts, TooManyFailedLoginsAreRateLimitedPerAddressAndPerAccount) {
    ServerProcess server;
    Client owner(server.port());
    ASSERT_EQ(register_account(owner, "ann", good)["type"], "welcome");
    auto attempt = [&](const std::string& nick, const std::string& password) {
        Client client(server.port());
        return code_of(log_in(client, nick, password));
    };
    // Ten wrong guesses a minute from this address, spread over nicks, are answered...
    for (int i = 0; i < 10; ++i)
        EXPECT_EQ(attempt(i % 2 ? "ann" : "user" + std::to_string(i), "wrong one"), "unauthorized");
    // ...then nothing more is checked from here, not even the right password.
    EXPECT_EQ(attempt("carol", "wrong one"), "rate_limited");
    EXPECT_EQ(attempt("ann", good), "rate_limited");
    int status = 0;
    api_login(server.port(), "ann", good, &status);
    EXPECT_EQ(status, 429);

    {
        // Another address still logs in to ann, whose own count is five.
        FromAddress elsewhere("127.0.0.2");
        Client client(server.port());
        EXPECT_EQ(log_in(client, "ann", good)["type"], "welcome");
    }
    EXPECT_GE(metric(server.port(), "parley_failed_logins_total"), 10);
    EXPECT_GE(metric(server.port(), "parley_logins_limited_total"), 3);
}

TEST(Accounts, TenFailedLoginsForOneAccountFromManyAddressesLockItForAMinute) {
    ServerProcess server;
    Client owner(server.port());
    ASSERT_EQ(register_account(owner, "ann", good)["type"], "welcome");
    for (int i = 0; i < 10; ++i) {
        FromAddress from("127.0.1." + std::to_string(i + 1));
        Client client(server.port());
        EXPECT_EQ(code_of(log_in(client, "ann", "guess " + std::to_string(i))), "unauthorized");
    }
    FromAddress from("127.0.2.1");
    Client client(server.port());
    EXPECT_EQ(code_of(log_in(client, "ann", good)), "rate_limited");
    Client bob(server.port());
    EXPECT_EQ(register_account(bob, "bob", good)["type"], "welcome");  // others are unaffected
}

TEST(Accounts, WithoutGuestsOnlyAccountsMayChat) {
    ServerProcess server{{"--guests", "false"}};
    Client guest(server.port());
    EXPECT_EQ(code_of(request(guest, {{"type", "hello"}, {"nick", "visitor"}})), "unauthorized");
    EXPECT_EQ(guest.wait_closed().code, 1008);

    Client ann(server.port());
    EXPECT_EQ(register_account(ann, "ann", good)["type"], "welcome");
    EXPECT_EQ(ann.join("lobby")["type"], "joined");
}

TEST(Accounts, ClosedRegistrationLeavesAccountsToAnAdmin) {
    TempDir dir;
    auto data = dir.file("parley.db");
    {
        ServerProcess server{{"--data", data}};
        Client root(server.port());
        ASSERT_EQ(register_account(root, "root", good)["type"], "welcome");
        server.stop();
    }
    ServerProcess server{{"--data", data, "--registration", "closed", "--admins", "root"}};
    Client stranger(server.port());
    auto refused = register_account(stranger, "mallory", good);
    EXPECT_EQ(code_of(refused), "forbidden");
    EXPECT_NE(refused.value("message", "").find("registration is closed"), std::string::npos);

    Client root(server.port());
    auto welcome = log_in(root, "root", good);
    EXPECT_EQ(welcome["admin"], true);
    EXPECT_EQ(register_account(root, "dana", "dana's password")["type"], "ok");  // for dana
    EXPECT_EQ(code_of(register_account(root, "dana", good)), "nick_taken");
    Client dana(server.port());
    EXPECT_EQ(log_in(dana, "dana", "dana's password")["type"], "welcome");
    // Not an admin: dana cannot make accounts.
    EXPECT_EQ(code_of(register_account(dana, "eve", good)), "already_identified");
}

TEST(Accounts, AnAdminsNickIsRegisteredOnlyWithTheSetupCodeFromTheLog) {
    // Else whoever registered "root" first, before its user, would be an admin.
    ServerProcess server{{"--admins", "root", "--registration", "closed"}};
    auto code = admin_setup_code(server);
    ASSERT_EQ(code.size(), 32u) << server.logs();
    for (const json& setup : {json(), json("0123456789abcdef0123456789abcdef"), json(code + "0")}) {
        Client mallory(server.port());
        json frame{{"type", "register"}, {"nick", "ROOT"}, {"password", good}};
        if (!setup.is_null()) frame["setup"] = setup;
        auto refused = request(mallory, frame);
        EXPECT_EQ(code_of(refused), "forbidden") << setup;
        EXPECT_NE(refused.value("message", "").find("setup code"), std::string::npos);
    }
    // The one who reads the log registers it, even with registration closed.
    Client root(server.port());
    auto welcome = request(
        root, {{"type", "register"}, {"nick", "root"}, {"password", good}, {"setup", code}});
    EXPECT_EQ(welcome["admin"], true) << welcome.dump();
    Client late(server.port());
    EXPECT_EQ(
        code_of(request(
            late, {{"type", "register"}, {"nick", "root"}, {"password", good}, {"setup", code}})),
        "nick_taken");
}

TEST(Accounts, APasswordLoginOverHttpGivesATokenThatWorksEverywhere) {
    TempDir dir;
    auto data = dir.file("parley.db");
    std::string token;
    {
        ServerProcess server{{"--data", data, "--token-ttl", "2h"}};
        Client ann(server.port());
        ASSERT_EQ(register_account(ann, "ann", good)["type"], "welcome");
        ann.join("lobby");
        ann.send(json{{"type", "say"}, {"channel", "lobby"}, {"text", "kept"}});
        ann.next_of_type("message");
        int status = 0;
        auto answer = api_login(server.port(), "ANN", good, &status);
        ASSERT_EQ(status, 200) << answer.dump();
        EXPECT_EQ(answer["nick"], "ann");
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        EXPECT_NEAR(answer["expires_at"].get<double>(), now + 7200, 5);
        token = answer["token"];

        api_login(server.port(), "ann", "wrong password", &status);
        EXPECT_EQ(status, 401);
        EXPECT_EQ(http_post(server.port(), "/api/login", "{\"nick\":\"ann\"}").status, 400);
        EXPECT_EQ(http_post(server.port(), "/api/login", "not json").status, 400);
        server.stop();
    }
    // The key that signed it is kept with the data: the token outlives a restart.
    ServerProcess server{{"--data", data}};
    Client by_hello(server.port());
    auto welcome = by_hello.hello("ann", token);
    EXPECT_EQ(welcome["account"], true);
    Client by_url(server.port(), "/ws?token=" + token);
    EXPECT_EQ(by_url.hello("ann")["type"], "welcome");
    EXPECT_EQ(get_with_token(server.port(), "/api/channels/lobby/messages", token).status, 200);
    // A token is for its own nick only.
    Client other(server.port());
    other.send(json{{"type", "hello"}, {"nick", "bob"}, {"token", token}});
    EXPECT_EQ(code_of(other.next_of_type("error")), "unauthorized");
}

TEST(Accounts, ChangingThePasswordRefusesTheTokensIssuedBefore) {
    ServerProcess server;
    Client ann(server.port());
    ASSERT_EQ(register_account(ann, "ann", good)["type"], "welcome");
    auto stolen = api_login(server.port(), "ann", good)["token"].get<std::string>();
    ASSERT_EQ(get_with_token(server.port(), "/api/channels/x/messages", stolen).status, 404);
    // Tokens carry their time of issue in seconds: the change comes in a later second.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_EQ(
        request(ann, {{"type", "password"}, {"old", good}, {"new", "a new long password"}})["type"],
        "ok");

    Client thief(server.port());
    thief.send(json{{"type", "hello"}, {"nick", "ann"}, {"token", stolen}});
    auto refused = thief.next_of_type("error");
    EXPECT_EQ(code_of(refused), "unauthorized");
    EXPECT_NE(refused.value("message", "").find("password changed"), std::string::npos);
    EXPECT_EQ(thief.wait_closed().code, 1008);
    EXPECT_EQ(get_with_token(server.port(), "/api/channels/x/messages", stolen).status, 401);

    auto fresh = api_login(server.port(), "ann", "a new long password")["token"].get<std::string>();
    Client again(server.port());
    EXPECT_EQ(again.hello("ann", fresh)["account"], true);
    EXPECT_EQ(get_with_token(server.port(), "/api/channels/x/messages", fresh).status, 404);
}

TEST(Accounts, ATokenSignedWithAnotherServersKeyIsRefused) {
    ServerProcess first, second;
    Client ann(first.port());
    ASSERT_EQ(register_account(ann, "ann", good)["type"], "welcome");
    auto token = api_login(first.port(), "ann", good)["token"].get<std::string>();
    Client client(second.port());
    client.send(json{{"type", "hello"}, {"nick", "ann"}, {"token", token}});
    EXPECT_EQ(code_of(client.next_of_type("error")), "unauthorized");
    EXPECT_EQ(client.wait_closed().code, 1008);
}

TEST(Accounts, AnOutsideIssuersTokenUserIsAnAccountAndMayBeAnAdmin) {
    const std::string secret = "outside-issuer-secret";
    ServerProcess server{{"--auth-secret", secret, "--admins", "boss"}};
    Client boss(server.port());
    auto welcome = boss.hello("boss", parley_token(secret, "boss"));
    EXPECT_EQ(welcome["account"], true);
    EXPECT_EQ(welcome["admin"], true);
    auto created = request(boss, {{"type", "create"}, {"channel", "staff"}, {"private", true}});
    EXPECT_EQ(created["type"], "joined") << created.dump();
    EXPECT_EQ(created["role"], "owner");
    // Guests are off with --auth-secret, as before accounts existed.
    Client guest(server.port());
    EXPECT_EQ(code_of(request(guest, {{"type", "hello"}, {"nick", "visitor"}})), "unauthorized");
}

}  // namespace
}  // namespace parley::test
