#pragma once

#include <string>

#include "storage/sqlite.hpp"

namespace parley::storage {

// The database's layout, as numbered steps: a database at any earlier version is brought to
// this one at start-up, inside one transaction.
inline constexpr int schema_version = 6;

// Migrates `db` (the file at `path`) to schema_version. Throws StorageError with a one-line
// reason when it is not a Parley database, was written by a newer Parley, or is damaged; it is
// then left as it was.
void migrate(Database& db, const std::string& path);

}  // namespace parley::storage
