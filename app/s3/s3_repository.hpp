#pragma once
// A repository (see jetstrand/backup/repository.hpp) in an S3-compatible store: the sets
// are the "folders" under s3://BUCKET/PREFIX/. Listing reads each set's manifest (or its
// INCOMPLETE marker); deleting never leaves a set that looks complete; verify and restore
// work on a local copy of a set.

#include "s3_client.hpp"
#include "s3_location.hpp"

#include "jetstrand/backup/repository.hpp"

#include <filesystem>
#include <vector>

namespace jetstrand::cli::s3 {

// Every set under `location`, oldest first.
std::vector<backup::set_summary> list_s3_repository(s3_client& client, const s3_location& location);

// Writes INCOMPLETE, deletes the manifest, then every other object of the set.
void delete_s3_set(s3_client& client, const s3_location& set);

// Copies every object of the set into `dir` (created), keeping the layout; the bytes copied.
std::uint64_t download_s3_set(s3_client& client, const s3_location& set, const std::filesystem::path& dir);

}  // namespace jetstrand::cli::s3
