#include "storage/sqlite_directory.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <future>

#include "model/message.hpp"
#include "storage/sqlite_worker.hpp"

namespace parley::storage {

namespace {

void set_person(Database& db, const std::string& channel, const std::string& key, const char* kind,
                const std::string& value) {
    exec(db,
         "INSERT INTO channel_people(channel, key, kind, value) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(channel, key, kind) DO UPDATE SET value = excluded.value",
         {channel, key, kind, value});
}

void drop_person(Database& db, const std::string& channel, const std::string& key,
                 const char* kind) {
    exec(db, "DELETE FROM channel_people WHERE channel = ?1 AND key = ?2 AND kind = ?3",
         {channel, key, kind});
}

model::ChannelAuthority read_channel(Database& db, const std::string& name) {
    model::ChannelAuthority authority;
    each_row(db, "SELECT registered, owner, private, topic FROM channel_authority WHERE name = ?1",
             {name}, [&](const Statement& row) {
                 authority.registered = row.integer(0) != 0;
                 authority.owner = row.text(1);
                 authority.is_private = row.integer(2) != 0;
                 authority.topic = row.text(3);
             });
    each_row(db, "SELECT key, kind, value FROM channel_people WHERE channel = ?1", {name},
             [&](const Statement& row) {
                 auto key = row.text(0), kind = row.text(1), value = row.text(2);
                 if (kind == "role")
                     authority.roles[key] = value == "op" ? model::Role::op : model::Role::member;
                 else if (kind == "invited")
                     authority.invited.insert(key);
                 else if (kind == "ban")
                     authority.bans[key] = value;
                 else if (kind == "mute")
                     authority.muted.insert(key);
             });
    return authority;
}

}  // namespace

SqliteDirectory::SqliteDirectory(const DatabaseFile& file, std::size_t queue_limit)
    : worker_(file, queue_limit) {}

SqliteDirectory::~SqliteDirectory() {
    stop();
}

bool SqliteDirectory::submit(std::function<void(Database&)> job) {
    return worker_.submit(std::move(job));
}

void SqliteDirectory::stop() {
    worker_.stop();
}

bool SqliteDirectory::find_account(std::string key,
                                   std::function<void(Expected<std::optional<Account>>)> done) {
    return submit([key = std::move(key), done = std::move(done)](Database& db) {
        std::optional<Account> account;
        try {
            each_row(db, "SELECT nick, password_hash, tokens_after FROM accounts WHERE key = ?1",
                     {key}, [&](const Statement& row) {
                         account = Account{row.text(0), row.text(1), row.integer(2)};
                     });
        } catch (const StorageError& e) {
            return run_callback(done, Expected<std::optional<Account>>(Failure{e.what()}));
        }
        run_callback(done, Expected<std::optional<Account>>(std::move(account)));
    });
}

bool SqliteDirectory::create_account(std::string key, std::string nick, std::string password_hash,
                                     std::function<void(Expected<Created>)> done) {
    return submit([key = std::move(key), nick = std::move(nick), hash = std::move(password_hash),
                   done = std::move(done)](Database& db) {
        bool exists = false;
        auto written = in_transaction(db, [&] {
            each_row(db, "SELECT 1 FROM accounts WHERE key = ?1", {key},
                     [&](const Statement&) { exists = true; });
            if (!exists)
                exec(db,
                     "INSERT INTO accounts(key, nick, password_hash, created) "
                     "VALUES(?1, ?2, ?3, ?4)",
                     {key, nick, hash, std::to_string(model::now_millis())});
        });
        if (!written) return run_callback(done, Expected<Created>(std::move(written).error()));
        run_callback(done, Expected<Created>(exists ? Created::exists : Created::created));
    });
}

bool SqliteDirectory::set_password(std::string key, std::string password_hash,
                                   std::int64_t tokens_after,
                                   std::function<void(Expected<void>)> done) {
    return submit([key = std::move(key), hash = std::move(password_hash), tokens_after,
                   done = std::move(done)](Database& db) {
        run_callback(done, in_transaction(db, [&] {
                         exec(db,
                              "UPDATE accounts SET password_hash = ?2, tokens_after = ?3 "
                              "WHERE key = ?1",
                              {key, hash, std::to_string(tokens_after)});
                     }));
    });
}

bool SqliteDirectory::load_channel(std::string name,
                                   std::function<void(Expected<model::ChannelAuthority>)> done) {
    return submit([name = std::move(name), done = std::move(done)](Database& db) {
        try {
            run_callback(done, Expected<model::ChannelAuthority>(read_channel(db, name)));
        } catch (const StorageError& e) {
            run_callback(done, Expected<model::ChannelAuthority>(Failure{e.what()}));
        }
    });
}

bool SqliteDirectory::create_channel(std::string name, std::string owner, bool is_private,
                                     std::string topic,
                                     std::function<void(Expected<Created>)> done) {
    return submit([name = std::move(name), owner = std::move(owner), is_private,
                   topic = std::move(topic), done = std::move(done)](Database& db) {
        bool exists = false;
        auto written = in_transaction(db, [&] {
            // A channel that has had a message exists, registered or not.
            each_row(db,
                     "SELECT 1 FROM channel_authority WHERE name = ?1 AND registered = 1 "
                     "UNION ALL SELECT 1 FROM channels WHERE name = ?1",
                     {name}, [&](const Statement&) { exists = true; });
            if (exists) return;
            exec(db,
                 "INSERT INTO channel_authority(name, registered, owner, private, topic) "
                 "VALUES(?1, 1, ?2, ?3, ?4) ON CONFLICT(name) DO UPDATE SET registered = 1, "
                 "owner = excluded.owner, private = excluded.private, topic = excluded.topic",
                 {name, owner, is_private ? "1" : "0", topic});
        });
        if (!written) return run_callback(done, Expected<Created>(std::move(written).error()));
        run_callback(done, Expected<Created>(exists ? Created::exists : Created::created));
    });
}

bool SqliteDirectory::change_channel(std::string name, model::AuthorityChange change,
                                     std::function<void(Expected<void>)> done) {
    return submit([name = std::move(name), change = std::move(change),
                   done = std::move(done)](Database& db) {
        using Action = model::AuthorityChange::Action;
        auto key = model::nick_key(change.target);
        run_callback(done, in_transaction(db, [&] {
                         switch (change.action) {
                             case Action::create:
                                 break;
                             case Action::topic:
                                 exec(db,
                                      "INSERT INTO channel_authority(name, registered, owner, "
                                      "private, topic) VALUES(?1, 0, '', 0, ?2) ON "
                                      "CONFLICT(name) DO UPDATE SET topic = excluded.topic",
                                      {name, change.value});
                                 break;
                             case Action::role:
                                 set_person(db, name, key, "role", change.value);
                                 break;
                             case Action::invite:
                                 set_person(db, name, key, "invited", "");
                                 break;
                             case Action::admit:
                                 drop_person(db, name, key, "invited");
                                 exec(db,
                                      "INSERT OR IGNORE INTO channel_people(channel, key, kind, "
                                      "value) VALUES(?1, ?2, 'role', 'member')",
                                      {name, key});
                                 break;
                             case Action::kick:
                                 if (read_channel(db, name).is_private) {
                                     drop_person(db, name, key, "role");
                                     drop_person(db, name, key, "invited");
                                 }
                                 break;
                             case Action::ban:
                                 set_person(db, name, key, "ban", change.value);
                                 drop_person(db, name, key, "role");
                                 drop_person(db, name, key, "invited");
                                 break;
                             case Action::unban:
                                 drop_person(db, name, key, "ban");
                                 break;
                             case Action::mute:
                                 set_person(db, name, key, "mute", "");
                                 break;
                             case Action::unmute:
                                 drop_person(db, name, key, "mute");
                                 break;
                         }
                     }));
    });
}

Expected<std::string> SqliteDirectory::signing_key() {
    // At start-up: waits for the worker to read (or make) the key.
    std::promise<Expected<std::string>> answer;
    auto queued = submit([&answer](Database& db) {
        std::string key;
        auto made = in_transaction(db, [&] {
            each_row(db, "SELECT value FROM settings WHERE name = 'signing_key'", {},
                     [&](const Statement& row) { key = row.text(0); });
            if (!key.empty()) return;
            unsigned char bytes[32];
            if (RAND_bytes(bytes, sizeof bytes) != 1)
                throw StorageError("the system's random generator failed");
            static constexpr char hex[] = "0123456789abcdef";
            for (auto byte : bytes) {
                key.push_back(hex[byte >> 4]);
                key.push_back(hex[byte & 15]);
            }
            exec(db, "INSERT INTO settings(name, value) VALUES('signing_key', ?1)", {key});
        });
        if (!made) return answer.set_value(std::move(made).error());
        answer.set_value(std::move(key));
    });
    if (!queued) return Failure{"the directory is stopping"};
    return answer.get_future().get();
}

}  // namespace parley::storage
