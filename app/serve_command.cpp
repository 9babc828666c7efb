#include "serve_command.hpp"

#include "human_units.hpp"

#include "cli_args.hpp"

#include "jetstrand/engine.hpp"
#include "jetstrand/log.hpp"
#include "jetstrand/net/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

namespace jetstrand::cli {

const char* const serve_usage = R"(usage: jetstrand serve [options]

Runs the storage engine with its HTTP control endpoint. With no options it serves a
default instance ("default", with a database "default") in ./jetstrand-data on
http://127.0.0.1:8642. Data written there survives restarts and crashes: at start every
instance found in the data directory is opened and recovered.

options:
  --data DIR            data directory (default: ./jetstrand-data)
  --listen HOST:PORT    address to listen on (default: 127.0.0.1:8642; port 0 picks one).
                        Anything but loopback exposes the engine: use --token with it.
  --token TOKEN         require "Authorization: Bearer TOKEN" on every route but
                        /healthz and the dashboard page at / (it asks for the token)
                        (default: the JETSTRAND_TOKEN environment variable, else none)
  --metrics-open        with a token: let /metrics be read without it
  --tls-cert FILE       serve HTTPS only (TLS 1.2 or later) with this PEM certificate
                        chain (the server's certificate first); needs --tls-key
  --tls-key FILE        the PEM private key of --tls-cert
  --max-connections N   connections served at once; more wait (default: 512)
  --cache-size SIZE     memory for database pages, all instances together, e.g. 64M or
                        2G (default: 256M; at least 256K). Databases may be far larger.
  --one-instance        ESE one-instance mode (the legacy instance-less calls work)
  --log-level LEVEL     trace, debug, info, warning, error or off (default: info)
  --file-backend KIND   auto, io_uring or thread_pool (default: auto, or the
                        JETSTRAND_FILE_BACKEND environment variable)
  --threads N           I/O threads (default: 2)
  -h, --help            this text

SIGINT or SIGTERM stops the server cleanly (exit status 0).
)";

namespace {

std::string format_endpoint(const net::server_options& o) {
  auto a = o.address.to_string();
  return (o.address.is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(o.port);
}

struct serve_config {
  engine_options engine;
  net::server_options server;
  log_level level = log_level::info;
  int threads = 2;
};

serve_config parse(args& a) {
  serve_config c;
  if (auto v = a.value("--data")) c.engine.data_dir = *v;
  if (auto v = a.value("--listen")) {
    std::string error;
    if (!net::parse_listen_address(*v, c.server, error)) {
      throw usage_error("--listen " + *v + ": " + error);
    }
  }
  if (auto v = a.value("--token")) {
    c.server.token = *v;
  } else if (const char* env = std::getenv("JETSTRAND_TOKEN"); env && *env) {
    c.server.token = env;
  }
  if (a.flag("--one-instance")) c.engine.mode = instance_mode::one;
  if (a.flag("--metrics-open")) c.server.metrics_open = true;
  if (auto v = a.value("--tls-cert")) c.server.tls_certificate_chain = *v;
  if (auto v = a.value("--tls-key")) c.server.tls_private_key = *v;
  if (c.server.tls_certificate_chain.empty() != c.server.tls_private_key.empty()) {
    throw usage_error("--tls-cert and --tls-key go together");
  }
  if (auto v = a.value("--max-connections")) {
    long n = 0;
    try {
      n = std::stol(*v);
    } catch (...) {
    }
    if (n < 1 || n > 1'000'000) throw usage_error("--max-connections " + *v + ": expected 1 to 1000000");
    c.server.max_connections = static_cast<std::size_t>(n);
  }
  if (auto v = a.value("--cache-size")) {
    auto n = parse_size(*v);
    if (!n || *n < (256u << 10)) throw usage_error("--cache-size " + *v + ": expected a size of at least 256K, such as 64M or 2G");
    c.engine.cache_size = static_cast<std::size_t>(*n);
  }
  if (auto v = a.value("--log-level")) {
    auto l = parse_log_level(*v);
    if (!l) throw usage_error("--log-level " + *v + ": expected trace, debug, info, warning, error or off");
    c.level = *l;
  }
  if (auto v = a.value("--file-backend")) {
    auto k = io::parse_backend_kind(*v);
    if (!k) throw usage_error("--file-backend " + *v + ": expected auto, io_uring or thread_pool");
    c.engine.file_backend = *k;
  }
  if (auto v = a.value("--threads")) {
    try {
      c.threads = std::stoi(*v);
    } catch (...) {
      c.threads = 0;
    }
    if (c.threads < 1 || c.threads > 64) throw usage_error("--threads " + *v + ": expected 1 to 64");
  }
  a.expect_empty();
  return c;
}

}  // namespace

int serve_command(std::span<char*> argv) {
  args a(argv);
  if (a.flag("--help") || a.flag("-h")) {
    std::cout << serve_usage;
    return 0;
  }
  serve_config config = parse(a);
  enable_console_logging(config.level);
  if (!config.server.address.is_loopback()) {
    std::cerr << "warning: listening on " << config.server.address.to_string()
              << ", which is not loopback"
              << (config.server.token.empty() ? ", and without --token" : "") << "\n";
  }

  boost::asio::io_context io(config.threads);
  engine eng(io.get_executor(), config.engine);
  std::optional<net::server> srv;
  try {
    srv.emplace(io.get_executor(), eng, config.server);
  } catch (const boost::system::system_error& e) {
    // e.what() carries Asio's source location: say what failed and what to do instead.
    std::cerr << "jetstrand serve: cannot listen on " << format_endpoint(config.server) << ": "
              << e.code().message()
              << (e.code() == boost::asio::error::address_in_use
                      ? " (another server runs there: stop it, or pick another port with --listen)"
                      : "")
              << "\n";
    return 1;
  } catch (const std::runtime_error& e) {
    std::cerr << "jetstrand serve: " << e.what() << "\n";
    return 1;
  }

  // Keeps run() going between set-up steps; shutdown ends it with io.stop().
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::thread> threads;
  for (int i = 0; i < config.threads; ++i) threads.emplace_back([&] { io.run(); });
  auto join_all = [&] {
    for (auto& t : threads) t.join();
  };

  // Every instance in the data directory (recovered), then the embedded default: an
  // instance made over HTTP or by a restore is never hidden by a restart.
  std::string opening = "default";
  try {
    std::promise<std::pair<boost::system::error_code, engine::open_report>> opened;
    eng.async_open_instances([&](boost::system::error_code ec, engine::open_report r) {
      opened.set_value({ec, std::move(r)});
    });
    auto [ec, report] = opened.get_future().get();
    for (const auto& inst : report.opened) std::cout << "opened instance " << inst->name() << "\n";
    if (ec) {
      opening = report.failed;
      throw boost::system::system_error(ec);
    }
    opening = "default";
    auto inst = eng.find_instance("default");
    // In one-instance mode an instance found on disk is the one instance.
    if (!inst && (config.engine.mode == instance_mode::multi || eng.instances().empty())) {
      inst = eng.async_create_instance("default", boost::asio::use_future).get();
    }
    if (inst) {
      // The embedded default also has a database "default" (made on first start).
      auto names = inst->database_names();
      if (std::find(names.begin(), names.end(), "default") == names.end()) {
        inst->async_create_database("default", boost::asio::use_future).get();
      }
    }
  } catch (const boost::system::system_error& e) {
    std::cerr << "jetstrand serve: cannot open instance '" << opening << "' in "
              << (config.engine.data_dir / opening).string() << ": " << e.code().message()
              << (e.code() == jet_errc::file_access_denied ? " (another jetstrand serve uses this data directory)" : "")
              << "\n";
    io.stop();
    join_all();
    return 1;
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (ec) return;
    std::cerr << "jetstrand serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
              << ", shutting down\n";
    srv->stop();
    eng.async_shutdown([&](boost::system::error_code) { io.stop(); });
  });

  srv->start();
  auto ep = srv->local_endpoint();
  std::cout << "jetstrand serving " << (config.server.tls_certificate_chain.empty() ? "http" : "https") << "://"
            << (ep.address().is_v6() ? "[" + ep.address().to_string() + "]"
                                     : ep.address().to_string())
            << ":" << ep.port() << " (data: " << config.engine.data_dir.string()
            << ", file backend: " << io::to_string(eng.file_backend())
            << ", mode: " << to_string(config.engine.mode) << ")" << std::endl;
  join_all();
  return 0;
}

}  // namespace jetstrand::cli
