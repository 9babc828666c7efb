// `jetstrand backup`: the streaming backup of SPEC §3 driven over HTTP into a backup set.
#include "backup_command.hpp"

#include "cli_args.hpp"
#include "http_client.hpp"
#include "progress_display.hpp"
#include "signal_watch.hpp"

#include "jetstrand/backup/directory_sink.hpp"
#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/names.hpp"

#include <boost/json.hpp>

#include <cstdlib>
#include <iostream>

namespace jetstrand::cli {
namespace http = boost::beast::http;
using namespace jetstrand::backup;

const char* const backup_usage = R"(usage: jetstrand backup --out DIR [options]

Backs up an instance of a running server over HTTP (the streaming backup: begin,
attach-info, every database file, log-info, every log, end) into DIR: the files, then
manifest.json with the size and CRC32C of each. DIR must not exist or be empty.

options:
  --out DIR           where the backup set goes (required)
  --url URL           the server (default: http://127.0.0.1:8642)
  --instance NAME     the instance (default: default)
  --incremental       only the logs since the last backup (needs a full backup before)
  --truncate-logs     after copying, delete the logs the instance no longer needs
  --token TOKEN       bearer token (default: the JETSTRAND_TOKEN environment variable)
  -h, --help          this text

Progress goes to stderr. If the backup does not complete (Ctrl-C, a stop on the server,
an error), it is ended with abort on the server and DIR keeps a file INCOMPLETE saying
why; `jetstrand verify` and `jetstrand restore` refuse such a set.
Exit status: 0 completed, 1 failed or stopped, 130 interrupted.
)";

namespace {

struct backup_config {
  std::string url = "http://127.0.0.1:8642";
  std::string instance = "default";
  std::filesystem::path out;
  bool incremental = false;
  bool truncate_logs = false;
  std::string token;
};

backup_config parse(args& a) {
  backup_config c;
  if (auto v = a.value("--url")) c.url = *v;
  if (auto v = a.value("--instance")) c.instance = *v;
  if (auto v = a.value("--out")) c.out = *v;
  c.incremental = a.flag("--incremental");
  c.truncate_logs = a.flag("--truncate-logs");
  if (auto v = a.value("--token")) {
    c.token = *v;
  } else if (const char* env = std::getenv("JETSTRAND_TOKEN"); env && *env) {
    c.token = env;
  }
  a.expect_empty();
  if (c.out.empty()) throw usage_error("--out DIR is required");
  if (!is_valid_name(c.instance)) throw usage_error("--instance " + c.instance + ": use [A-Za-z0-9_-]{1,64}");
  return c;
}

std::uint64_t total_from_status(const boost::json::value& status) {
  return static_cast<std::uint64_t>(status.at("bytes_total").to_number<double>());
}

std::vector<std::string> names_of(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& f : v.at("files").as_array()) out.emplace_back(f.as_string());
  return out;
}

class backup_run {
 public:
  backup_run(const backup_config& c, directory_sink& sink)
      : config_(c), sink_(sink), client_(c.url, c.token), base_("/v1/instances/" + c.instance + "/backup") {
    manifest_.instance = c.instance;
    manifest_.kind = c.incremental ? set_kind::incremental : set_kind::full;
    manifest_.created = utc_timestamp_now();
  }

  http_client& client() { return client_; }
  bool began() const { return began_; }
  const backup_manifest& manifest() const { return manifest_; }

  // The whole sequence; throws http_failure or std::runtime_error.
  void run() {
    // Cut off while waiting for the answer, the begin may have happened on the server: the
    // abort path then ends it. Only an answer that says it failed means there is none.
    began_ = true;
    boost::json::value status;
    try {
      status = client_.call(http::verb::post, base_, config_.incremental ? R"({"incremental":true})" : "{}");
    } catch (const http_failure& e) {
      if (e.status != 0) began_ = false;
      throw;
    }
    progress_.set_total(total_from_status(status));
    if (!config_.incremental) {
      for (const auto& name : names_of(client_.call(http::verb::get, base_ + "/attach-info"))) {
        copy(name, backup_file_kind::database);
      }
    }
    auto logs = client_.call(http::verb::post, base_ + "/log-info");
    manifest_.generation_low = static_cast<std::uint32_t>(logs.at("gen_low").to_number<double>());
    manifest_.generation_high = static_cast<std::uint32_t>(logs.at("gen_high").to_number<double>());
    progress_.set_total(total_from_status(client_.call(http::verb::get, base_)));
    for (const auto& name : names_of(logs)) copy(name, backup_file_kind::log);
    if (config_.truncate_logs) client_.call(http::verb::post, base_ + "/truncate-log");
    auto end = client_.call(http::verb::delete_, base_ + "?mode=normal");
    began_ = false;
    progress_.finish();
    if (end.at("result").as_string() != "completed") {
      throw std::runtime_error("the server ended the backup as aborted (it was stopped)");
    }
  }

  // After a failure: why, as the server sees it, then end the backup with abort.
  std::string abort_on_server(const std::string& what) {
    progress_.finish();
    std::string reason = what;
    if (!began_) return reason;
    try {
      http_client fresh(config_.url, config_.token);  // the old connection may be cut
      auto status = fresh.call(http::verb::get, base_);
      if (status.at("stop_requested").as_bool() && !client_.interrupted()) {
        reason = "the server stopped the backup (-801 JET_errBackupAbortByServer); " + reason;
      }
      fresh.call(http::verb::delete_, base_ + "?mode=abort");
      began_ = false;
    } catch (const http_failure& e) {
      if (e.jet_code != -520) reason += "; ending the backup on the server failed too: " + std::string(e.what());
    } catch (const std::exception& e) {
      reason += "; ending the backup on the server failed too: " + std::string(e.what());
    }
    return reason;
  }

 private:
  void copy(const std::string& name, backup_file_kind kind) {
    manifest_file f{name, kind, 0, 0};
    if (auto ec = sink_.begin_file(f)) throw std::runtime_error("cannot write " + name + ": " + ec.message());
    std::uint64_t got = 0;
    auto length = client_.download(base_ + "/files/" + name, [&](std::span<const unsigned char> bytes) {
      f.crc32c = crc32c(bytes.data(), bytes.size(), f.crc32c);
      if (auto ec = sink_.write(bytes)) throw std::runtime_error("cannot write " + name + ": " + ec.message());
      got += bytes.size();
      progress_.advance(name, bytes.size());
    });
    if (got != length) throw std::runtime_error(name + ": got " + std::to_string(got) + " of " + std::to_string(length) + " bytes");
    f.size = got;
    if (auto ec = sink_.end_file(f)) throw std::runtime_error("cannot write " + name + ": " + ec.message());
    manifest_.files.push_back(f);
    progress_.file_done(name, got);
  }

  const backup_config& config_;
  directory_sink& sink_;
  http_client client_;
  std::string base_;
  backup_manifest manifest_;
  progress_display progress_;
  bool began_ = false;
};

}  // namespace

int backup_command(std::span<char*> argv) {
  args a(argv);
  if (a.flag("--help") || a.flag("-h")) {
    std::cout << backup_usage;
    return 0;
  }
  auto config = parse(a);
  signal_watch signals;  // Ctrl-C and SIGTERM interrupt the transfer instead of killing us
  directory_sink sink(config.out);
  if (auto ec = sink.start()) {
    std::cerr << "jetstrand backup: cannot use " << config.out.string() << ": "
              << (ec == jet_errc::invalid_parameter ? "it exists and is not empty" : ec.message()) << "\n";
    return 1;
  }
  backup_run run(config, sink);
  signals.on_signal([&run] { run.client().interrupt(); });
  try {
    run.run();
    if (auto ec = sink.commit(run.manifest())) {
      throw std::runtime_error("cannot finish the set in " + config.out.string() + ": " + ec.message());
    }
  } catch (const std::exception& e) {
    std::string reason = signals.received() ? "interrupted by " + signals.name() : std::string(e.what());
    reason = run.abort_on_server(reason);
    sink.abandon(reason);
    std::cerr << "jetstrand backup: the backup did not complete: " << reason << "\n"
              << "  " << config.out.string() << " is marked INCOMPLETE\n";
    return signals.received() ? 130 : 1;
  }
  std::cout << "backup completed: " << config.out.string() << " (" << to_string(run.manifest().kind) << ", "
            << run.manifest().files.size() << " files, " << run.manifest().total_bytes() << " bytes, logs "
            << run.manifest().generation_low << "-" << run.manifest().generation_high << ")\n";
  return 0;
}

}  // namespace jetstrand::cli
