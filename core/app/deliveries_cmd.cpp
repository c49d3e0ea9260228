// `herald deliveries`: lists, shows and replays deliveries (dead letters above
// all) through a running daemon's admin API.
#include "cli.hpp"
#include "commands.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace herald::app {
namespace {

const std::vector<FlagSpec> kFlags = {
    {"admin", true, "HOST:PORT", "admin address of the running daemon", "127.0.0.1:8080"},
    {"state", true, "STATE", "list: pending, done or dead", "dead"},
    {"provider", true, "NS/NAME", "list: only this Provider; replay: every dead letter of it", ""},
    {"limit", true, "N", "list: at most N rows", "100"},
    {"json", false, "", "print the API's JSON", ""},
    {"help", false, "", "show this help", ""},
};

const char* kUsage =
    "herald deliveries list [--state dead|pending|done] [--provider NS/NAME] [--json]\n"
    "       herald deliveries show ID\n"
    "       herald deliveries replay ID | --provider NS/NAME";

struct ApiAnswer {
    int status = 0;
    std::string body;
    std::string error;
};

ApiAnswer call(const std::string& admin, const std::string& method, const std::string& path) {
    ApiAnswer a;
    auto colon = admin.rfind(':');
    if (colon == std::string::npos) {
        a.error = "--admin must be host:port";
        return a;
    }
    try {
        Poco::Net::HTTPClientSession session(admin.substr(0, colon), Poco::UInt16(std::stoi(admin.substr(colon + 1))));
        session.setTimeout(Poco::Timespan(10, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentLength(0);
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        std::ostringstream body;
        Poco::StreamCopier::copyStream(in, body);
        a.status = resp.getStatus();
        a.body = body.str();
    } catch (const std::exception& e) {
        a.error = std::string("cannot reach the admin API at ") + admin + ": " + e.what();
    }
    return a;
}

int print_list(const nlohmann::json& j) {
    const auto& items = j.value("items", nlohmann::json::array());
    if (items.empty()) {
        std::cout << "no deliveries\n";
        return 0;
    }
    std::cout << std::left << std::setw(8) << "ID" << std::setw(9) << "STATE" << std::setw(9) << "ATTEMPTS"
              << std::setw(32) << "PROVIDER" << "LAST ERROR\n";
    for (const auto& d : items) {
        std::cout << std::left << std::setw(8) << d.value("id", 0) << std::setw(9) << d.value("state", "")
                  << std::setw(9) << d.value("attempts", 0) << std::setw(32) << d.value("provider", "")
                  << d.value("lastError", "") << "\n";
    }
    return 0;
}

}  // namespace

int run_deliveries(const std::vector<std::string>& args) {
    std::string error;
    auto flags = parse_flags(args, kFlags, error);
    if (!flags) {
        std::cerr << "herald deliveries: " << error << "\n(see herald deliveries --help)\n";
        return 2;
    }
    if (flags->has("help") || flags->positional.empty()) {
        std::cout << format_help(kUsage,
                                 "Dead letters and other deliveries of a running daemon, through its admin API.\n"
                                 "A replayed delivery is attempted again from scratch with a fresh retry budget.",
                                 kFlags);
        return flags->has("help") ? 0 : 2;
    }
    const std::string admin = flags->get("admin", "127.0.0.1:8080");
    const std::string verb = flags->positional[0];
    std::string method = "GET", path;
    if (verb == "list") {
        path = "/api/v1/deliveries?state=" + flags->get("state", "dead") + "&limit=" + flags->get("limit", "100");
        if (flags->has("provider")) {
            std::string p;
            Poco::URI::encode(flags->get("provider"), "&=?/", p);
            path += "&provider=" + p;
        }
    } else if ((verb == "show" || verb == "replay") && flags->positional.size() == 2) {
        path = "/api/v1/deliveries/" + flags->positional[1] + (verb == "replay" ? "/replay" : "");
        method = verb == "replay" ? "POST" : "GET";
    } else if (verb == "replay" && flags->has("provider")) {
        path = "/api/v1/providers/" + flags->get("provider") + "/replay";
        method = "POST";
    } else {
        std::cerr << "herald deliveries: usage:\n  " << kUsage << "\n";
        return 2;
    }
    ApiAnswer a = call(admin, method, path);
    if (!a.error.empty()) {
        std::cerr << "herald deliveries: " << a.error << "\n";
        return 1;
    }
    auto j = nlohmann::json::parse(a.body, nullptr, false);
    if (a.status != 200) {
        std::cerr << "herald deliveries: " << a.status << ": "
                  << (j.is_object() && j.contains("error") ? j["error"].get<std::string>() : a.body) << "\n";
        return 1;
    }
    if (flags->has("json") || j.is_discarded() || verb == "show") {
        std::cout << a.body;
        return 0;
    }
    if (verb == "list") return print_list(j);
    std::cout << "replayed " << j.value("replayed", 0) << " delivery(ies)\n";
    return 0;
}

}  // namespace herald::app
