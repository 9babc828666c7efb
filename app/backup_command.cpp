// `jetstrand backup`: the streaming backup of SPEC §3 driven over HTTP into a backup set.
#include "backup_command.hpp"

#include "command_line/command.hpp"
#include "http_client.hpp"
#include "progress_display.hpp"
#include "human_units.hpp"
#include "signal_watch.hpp"

#include "backup_target.hpp"
#include "jetstrand/crc32c.hpp"
#include "jetstrand/error.hpp"
#include "jetstrand/names.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>

namespace jetstrand::cli {
namespace http = boost::beast::http;
using namespace jetstrand::backup;
using namespace jetstrand::command_line;

namespace {

command backup_cli() {
  command c("jetstrand backup (--out SET | --repo LOCATION) [options]",
            "Backs up an instance of a running server over HTTP (the streaming backup: begin,\n"
            "attach-info, every database file, log-info, every log, end) into a backup set: the files,\n"
            "then manifest.json with the size and CRC32C of each.",
            "S3-compatible stores (AWS S3, MinIO, Ceph RGW, ...): credentials from AWS_ACCESS_KEY_ID,\n"
            "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), the region from AWS_REGION (default\n"
            "us-east-1), another store's address from AWS_ENDPOINT_URL (path-style requests).\n"
            "\n"
            "Nothing is created at the target until the server has accepted the begin. Progress goes to\n"
            "stderr. If the backup does not complete (Ctrl-C, a stop on the server, an error), it is\n"
            "ended with abort on the server and the set keeps INCOMPLETE saying why; `jetstrand\n"
            "verify` and `jetstrand restore` refuse such a set. Ctrl-C ends it within a second.\n"
            "Exit status: 0 completed, 1 failed or stopped, 130 interrupted.");
  c.options()
      ("out", text("SET"),
       "the backup set goes into SET: a folder that must not exist or be empty, or s3://BUCKET/PREFIX with no "
       "objects under it")
      ("repo", text("LOCATION"),
       "the backup set goes into a new set inside LOCATION (a folder or s3://BUCKET/PREFIX), named after the "
       "time it began (UTC) and its kind: 20261128T051900Z-full or ...-incr (see `jetstrand list`, `prune`, "
       "`restore --repo`)")
      ("url", text("URL")->default_value("http://127.0.0.1:8642"),
       "the server; https://HOST:PORT for a server run with --tls-cert")
      ("cacert", text("FILE"),
       "with https: trust only the CA certificates in this PEM file (default: the system's CAs). The "
       "certificate must name the host.")
      ("instance", text("NAME")->default_value("default"), "the instance")
      ("incremental", flag(), "only the logs since the last backup (needs a full backup before)")
      ("truncate-logs", flag(), "after copying, delete the logs the instance no longer needs")
      ("max-rate", size(1),
       "read at most SIZE bytes per second on the server, e.g. 50M (default: unlimited); keeps the disk free "
       "for the foreground")
      ("token", text("TOKEN"), "bearer token (default: the JETSTRAND_TOKEN environment variable)")
      ("timeout", seconds(0.1, 86400)->default_value(30, "30"),
       "give up on a network step (connect, send, receive) that makes no progress for this long")
      ("compress", one_of({"zstd"}, "zstd"),
       "store every file compressed with zstd (level 3), recorded in the manifest; verify and restore read "
       "compressed and plain sets alike")
      ("retries", number(0, 100)->default_value(3, "3"),
       "a file download cut by the network is resumed where it stopped (HTTP Range) up to N times while the "
       "backup is open")
      ("multipart-threshold", size(s3::part_size)->default_value(s3::default_multipart_threshold, "64M"),
       "S3: a file of this size or more goes up as a multipart upload of 8 MiB parts, a smaller one as one PUT "
       "(held in memory until sent, so that a failed request can be sent again); at least 8M");
  return c;
}

// What backup_cli() parsed (its defaults are declared there).
struct backup_config {
  std::string url;
  std::string instance;
  std::string out;   // --out: a folder or s3://BUCKET/PREFIX
  std::string repo;  // --repo: the same, for a new set inside it
  std::string created = utc_timestamp_now();  // when the run began: the manifest's time and the set's name
  bool incremental = false;
  bool truncate_logs = false;
  std::uint64_t max_rate = 0;  // 0: unlimited
  std::string token;
  std::filesystem::path cacert;
  std::chrono::milliseconds timeout{};
  int retries = 0;
  storage_choices storage;  // --compress, --multipart-threshold
};

backup_config parse(const command& c) {
  backup_config config;
  config.url = c.get<std::string>("url");
  config.instance = c.get<std::string>("instance");
  config.out = c.find<std::string>("out").value_or("");
  config.repo = c.find<std::string>("repo").value_or("");
  config.cacert = c.find<std::string>("cacert").value_or("");
  config.incremental = c.get<bool>("incremental");
  config.truncate_logs = c.get<bool>("truncate-logs");
  config.max_rate = c.find<std::uint64_t>("max-rate").value_or(0);
  if (auto v = c.find<std::string>("token")) {
    config.token = *v;
  } else if (const char* env = std::getenv("JETSTRAND_TOKEN"); env && *env) {
    config.token = env;
  }
  config.timeout = std::chrono::milliseconds(static_cast<long long>(c.get<double>("timeout") * 1000));
  config.storage.compress = c.given("compress");
  config.storage.multipart_threshold = static_cast<std::size_t>(c.get<std::uint64_t>("multipart-threshold"));
  config.retries = static_cast<int>(c.get<long long>("retries"));
  if (config.out.empty() == config.repo.empty()) {
    throw usage_error("give one of --out DIR or --repo LOCATION (a folder or s3://BUCKET/PREFIX)");
  }
  if (!is_valid_name(config.instance)) throw usage_error("--instance " + config.instance + ": use [A-Za-z0-9_-]{1,64}");
  return config;
}

// gen-0000000A.log: a log range printed as the file names print it (hex).
std::string storage_log_name(std::uint32_t gen) {
  char name[32];
  std::snprintf(name, sizeof name, "gen-%08X.log", gen);
  return name;
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
  backup_run(const backup_config& c, backup_target& target)
      : config_(c), target_(target), sink_(target.sink()), client_(c.url, c.token, c.timeout, c.cacert), base_("/v1/instances/" + c.instance + "/backup") {
    manifest_.instance = c.instance;
    manifest_.kind = c.incremental ? set_kind::incremental : set_kind::full;
    manifest_.created = c.created;
  }

  http_client& client() { return client_; }
  bool began() const { return began_; }
  bool set_started() const { return set_started_; }
  const backup_manifest& manifest() const { return manifest_; }

  // The whole sequence; throws http_failure or std::runtime_error.
  void run() {
    // Cut off while waiting for the answer, the begin may have happened on the server: the
    // abort path then ends it. Only an answer that says it failed, or a connection that
    // never opened, means there is none.
    began_ = true;
    boost::json::value status;
    try {
      status = client_.call(http::verb::post, base_,
                            boost::json::serialize(boost::json::object{{"incremental", config_.incremental},
                                                                       {"max_rate", config_.max_rate}}));
    } catch (const http_failure& e) {
      if (e.status != 0 || e.unsent) began_ = false;
      throw;
    }
    // Only now, with the backup open on the server, does the set appear at the target.
    if (auto ec = sink_.start()) throw std::runtime_error("cannot use " + target_.where() + ": " + target_.describe(ec));
    set_started_ = true;
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
      // A fresh connection (the old one may be cut). After Ctrl-C the user is waiting: each
      // step gets a quarter of a second, and the status question is skipped.
      const bool interrupted = client_.interrupted();
      http_client fresh(config_.url, config_.token,
                        interrupted ? std::chrono::milliseconds(250) : config_.timeout, config_.cacert);
      if (!interrupted) {
        auto status = fresh.call(http::verb::get, base_);
        if (status.at("stop_requested").as_bool()) {
          reason = "the server stopped the backup (-801 JET_errBackupAbortByServer); " + reason;
        }
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
    if (auto ec = sink_.begin_file(f)) throw std::runtime_error("cannot write " + name + ": " + target_.describe(ec));
    std::uint64_t got = 0;
    auto length = client_.download(base_ + "/files/" + name, [&](std::span<const unsigned char> bytes) {
      f.crc32c = crc32c(bytes.data(), bytes.size(), f.crc32c);
      if (auto ec = sink_.write(bytes)) throw std::runtime_error("cannot write " + name + ": " + target_.describe(ec));
      got += bytes.size();
      progress_.advance(name, bytes.size());
    }, config_.retries, [&](std::uint64_t from, int attempt, const std::string& why) {
      progress_.note("resuming " + name + " from byte " + std::to_string(from) + " (" + human_bytes(from) + " received; try " + std::to_string(attempt) + " of " +
                     std::to_string(config_.retries) + "): " + why);
    });
    if (got != length) throw std::runtime_error(name + ": got " + std::to_string(got) + " of " + std::to_string(length) + " bytes");
    f.size = got;
    if (auto ec = sink_.end_file(f)) throw std::runtime_error("cannot write " + name + ": " + target_.describe(ec));
    manifest_.files.push_back(f);
    progress_.file_done(name, got);
  }

  const backup_config& config_;
  backup_target& target_;
  backup_sink& sink_;
  http_client client_;
  std::string base_;
  backup_manifest manifest_;
  progress_display progress_;
  bool began_ = false;
  bool set_started_ = false;  // the set exists at the target
};

}  // namespace

int backup_command(std::span<char*> argv) {
  command cli = backup_cli();
  if (!cli.parse(argv, std::cout)) return 0;
  auto config = parse(cli);
  signal_watch signals;  // Ctrl-C and SIGTERM interrupt the transfer instead of killing us
  std::optional<backup_target> target;
  try {
    // Refused before the server is asked anything; nothing is created there yet.
    target.emplace(config.out, config.repo, config.created,
                   config.incremental ? set_kind::incremental : set_kind::full, config.instance, config.storage);
  } catch (const usage_error&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "jetstrand backup: " << e.what() << "\n";
    return 1;
  }
  backup_run run(config, *target);
  signals.on_signal([&run, &target] {
    run.client().interrupt();
    target->interrupt();
  });
  try {
    run.run();
    if (auto ec = target->sink().commit(run.manifest())) {
      throw std::runtime_error("cannot finish the set in " + target->where() + ": " + target->describe(ec));
    }
  } catch (const std::exception& e) {
    std::string reason = signals.received() ? "interrupted by " + signals.name() : std::string(e.what());
    reason = run.abort_on_server(reason);
    std::cerr << "jetstrand backup: the backup did not complete: " << reason << "\n";
    if (run.set_started()) {
      target->sink().abandon(reason);
      std::cerr << "  " << target->where() << " is marked INCOMPLETE\n";
    }
    return signals.received() ? 130 : 1;
  }
  const auto& m = run.manifest();
  std::cout << "backup completed: " << target->where() << " (" << to_string(m.kind) << ", "
            << m.files.size() << (m.files.size() == 1 ? " file, " : " files, ") << human_bytes(m.total_bytes())
            << (config.storage.compress ? " stored as " + human_bytes(target->stored_bytes()) + " (zstd)" : std::string())
            << ", logs " << storage_log_name(m.generation_low) << " to "
            << storage_log_name(std::max(m.generation_low, m.generation_high - 1)) << ")\n";
  return 0;
}

}  // namespace jetstrand::cli
