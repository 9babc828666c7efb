#include "jetstrand/backup/verify.hpp"

#include "expand_set.hpp"

#include "io/posix.hpp"

#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "storage/database_file.hpp"
#include "storage/log_record.hpp"
#include "storage/write_ahead_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <set>

namespace jetstrand::backup {

namespace fs = std::filesystem;
using boost::system::error_code;

namespace {

error_code fail(verify_report& r, error_code ec, const fs::path& where, std::string_view what) {
  r.problem = where.string() + ": " + std::string(what);
  return ec;
}

// Size and CRC32C of a whole file, read sequentially.
error_code checksum_file(const fs::path& path, std::uint64_t& size, std::uint32_t& crc) {
  io::posix::unique_fd fd;
  if (auto ec = io::posix::open(path, O_RDONLY, fd)) {
    return ec == boost::system::errc::no_such_file_or_directory ? error_code(jet_errc::file_not_found) : ec;
  }
  std::vector<unsigned char> buf(1 << 20);
  size = 0;
  crc = 0;
  while (true) {
    std::size_t n = 0;
    if (auto ec = io::posix::read_some(fd.get(), buf.data(), buf.size(), n)) return ec;
    if (n == 0) return {};
    crc = crc32c(buf.data(), n, crc);
    size += n;
  }
}

error_code verify_database(const fs::path& path, verify_report& r) {
  // The header first: anything that is not one of our databases is not a backup copy.
  unsigned char head[2 * 32768];
  io::posix::unique_fd fd;
  if (auto ec = io::posix::open(path, O_RDONLY, fd)) return fail(r, ec, path, "cannot open: " + ec.message());
  std::size_t n = 0;
  if (auto ec = io::posix::read_at(fd.get(), head, sizeof head, 0, n)) return fail(r, ec, path, ec.message());
  storage::database_header h;
  std::uint32_t slot = 0;
  if (n == 0 || !storage::decode_headers(head, n, h, slot)) {
    return fail(r, jet_errc::restore_of_non_backup_database, path, "not a jetstrand database");
  }
  if (auto ec = storage::database_file::verify(path)) return fail(r, ec, path, ec.message());
  return {};
}

error_code verify_log(const fs::path& logs, std::uint32_t gen, verify_report& r) {
  bool bad = false;
  auto ec = storage::read_generation(logs, gen, [&](std::uint64_t, std::string_view payload) {
    if (!storage::decode_commit(payload)) bad = true;
    ++r.log_records;
  });
  auto path = storage::log_file_path(logs, gen);
  if (ec) return fail(r, ec, path, "not a valid log of generation " + std::to_string(gen));
  if (bad) return fail(r, jet_errc::database_corrupted, path, "a record does not parse");
  return {};
}

}  // namespace

error_code verify_backup_set(const fs::path& dir, verify_report& r) {
  expanded_set expanded;
  std::string problem;
  if (auto e = expanded.expand(dir, problem)) {
    r.problem = problem;
    return e;
  }
  if (expanded.expanded()) {
    // Checked on the decompressed copy; problems are reported against the set itself.
    auto e = verify_backup_set(expanded.path(), r);
    for (auto at = r.problem.find(expanded.path().string()); at != std::string::npos;
         at = r.problem.find(expanded.path().string())) {
      r.problem.replace(at, expanded.path().string().size(), dir.string());
    }
    return e;
  }
  error_code ec;
  auto m = read_manifest(dir, ec);
  if (ec) {
    std::error_code sec;
    return fail(r, ec, dir,
                fs::exists(dir / incomplete_marker_name, sec)
                    ? "marked INCOMPLETE: the backup did not finish"
                    : "no valid manifest.json: not a jetstrand backup set");
  }
  std::set<std::uint32_t> gens;
  for (const auto& f : m.files) {
    auto path = dir / f.relative_path();
    std::uint64_t size = 0;
    std::uint32_t crc = 0;
    ec = checksum_file(path, size, crc);
    // A missing log is a hole in the copy range, reported as such below (-554/-553).
    if (ec == jet_errc::file_not_found && f.kind == backup_file_kind::log) continue;
    if (ec) {
      return fail(r, ec, path, ec == jet_errc::file_not_found ? "listed in the manifest but missing" : ec.message());
    }
    if (size != f.size) {
      return fail(r, jet_errc::read_verify_failure, path,
                  "size " + std::to_string(size) + ", manifest says " + std::to_string(f.size));
    }
    if (crc != f.crc32c) return fail(r, jet_errc::read_verify_failure, path, "CRC32C differs from the manifest");
    if (f.kind == backup_file_kind::database) {
      if (m.kind == set_kind::incremental) {
        return fail(r, jet_errc::restore_of_non_backup_database, path, "a database in an incremental set");
      }
      if ((ec = verify_database(path, r))) return ec;
    } else {
      std::uint32_t gen = 0;
      if (!storage::parse_log_file_name(f.name, gen)) return fail(r, jet_errc::invalid_parameter, path, "not a log file name");
      if ((ec = verify_log(dir / "logs", gen, r))) return ec;
      gens.insert(gen);
    }
    ++r.files;
    r.bytes += size;
  }
  for (auto g = m.generation_low; g < m.generation_high; ++g) {
    if (!gens.count(g)) {
      return fail(r, g == m.generation_low ? jet_errc::starting_restore_log_too_high
                                           : jet_errc::ending_restore_log_too_low,
                  storage::log_file_path(dir / "logs", g), "a log of the copy range is missing");
    }
  }
  r.manifests.push_back(std::move(m));
  return {};
}

error_code verify_backup_chain(const std::vector<fs::path>& sets, verify_report& r) {
  if (sets.empty()) return fail(r, jet_errc::invalid_parameter, {}, "no backup set given");
  for (std::size_t i = 0; i < sets.size(); ++i) {
    if (auto ec = verify_backup_set(sets[i], r)) return ec;
    const auto& m = r.manifests.back();
    if (i == 0 && m.kind != set_kind::full) {
      return fail(r, jet_errc::restore_of_non_backup_database, sets[i], "the first set must be a full backup");
    }
    if (i > 0) {
      const auto& prev = r.manifests[i - 1];
      if (m.kind != set_kind::incremental) {
        return fail(r, jet_errc::invalid_parameter, sets[i], "only the first set may be a full backup");
      }
      if (m.instance != prev.instance) {
        return fail(r, jet_errc::restore_of_non_backup_database, sets[i],
                    "from instance " + m.instance + ", the full backup is of " + prev.instance);
      }
      if (m.generation_low > prev.generation_high) {
        return fail(r, jet_errc::starting_restore_log_too_high, sets[i],
                    "its logs start at generation " + std::to_string(m.generation_low) +
                        ", the previous set ends before " + std::to_string(prev.generation_high));
      }
      if (m.generation_high < prev.generation_high) {
        return fail(r, jet_errc::ending_restore_log_too_low, sets[i], "its logs end before the previous set's");
      }
    }
  }
  return {};
}

}  // namespace jetstrand::backup
