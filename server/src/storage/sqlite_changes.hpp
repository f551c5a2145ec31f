#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "model/message.hpp"
#include "storage/history.hpp"
#include "storage/sqlite.hpp"

namespace parley::storage {

// A message's lifecycle on the storage thread's connection, inside its group commit: the checks
// see the batch's earlier writes, so an edit queued right behind its message finds it.
//
// Layout: `messages` holds each message in its current state (its latest text, edited_ts,
// deleted, reactions), so a history page is one range read of the primary key however many
// changes the channel has had; `message_changes` holds the change events, read only by `since`
// replays and merged with the messages by seq.
class SqliteChanges {
  public:
    explicit SqliteChanges(sqlite3* db);

    // Whether `seq` is a message of the channel that is not deleted.
    bool is_live(const std::string& channel, std::int64_t seq);
    // Checks `event` (edited, deleted or reaction) against its target and, when allowed, gives
    // it the seq next_seq() returns, stores it and applies it to the target. Refusal::none when
    // stored. Throws StorageError when the database fails.
    Refusal apply(model::ChatMessage& event, bool may_delete_any,
                  const std::function<std::int64_t()>& next_seq);
    // Retention: drops the change events up to `seq`.
    void prune_through(const std::string& channel, std::int64_t seq);

  private:
    Statement target_, insert_change_, set_text_, set_deleted_, erase_edits_, set_reactions_,
        prune_;
};

}  // namespace parley::storage
