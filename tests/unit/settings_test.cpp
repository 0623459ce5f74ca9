// The setting tables (common/settings.hpp): help text, key lists, the TOML reader, the merge and
// --print-config generated from one declaration per setting; and docs/configuration.md holding
// exactly the generated reference of every daemon.
#include "common/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "clat/config.hpp"
#include "common/config_toml.hpp"
#include "dns64/config.hpp"
#include "gateway/config.hpp"
#include "nat64/config.hpp"
#include "siit/config.hpp"
#include "socks/config.hpp"

namespace sixfour {
namespace {

using ::testing::HasSubstr;

struct Input {
  Given<std::string> name;
  Given<std::string> count;
  Given<bool> verbose;
  Given<bool> routes;
  Given<std::vector<std::string>> peers;
};

constexpr Setting<Input> kTable[] = {
    text("name", &Input::name, "NAME", "x0", "device name"),
    number("count", &Input::count, "N", "", "how many"),
    flag("verbose", &Input::verbose, "say more"),
    no_flag("routes", &Input::routes, "do not add routes"),
    list("peers", &Input::peers, "ADDR|NAME", kRequired, "peers to talk to"),
};
constexpr SettingTable<Input> table = kTable;

TEST(Settings, HelpTextGetsRepeatableAndDefault) {
  EXPECT_EQ(kTable[0].info.help_text(), "device name (default x0)");
  EXPECT_EQ(kTable[1].info.help_text(), "how many");
  EXPECT_EQ(kTable[2].info.help_text(), "say more");  // a flag's default (false) goes without saying
  EXPECT_EQ(kTable[4].info.help_text(), "peers to talk to (repeatable; required)");
  EXPECT_EQ(kTable[3].info.flag(), "--no-routes");
  EXPECT_EQ(kTable[2].info.flag(), "--verbose");
}

TEST(Settings, KeyLists) {
  EXPECT_EQ(known_keys(infos(table)), "name, count, verbose, routes, peers");
  EXPECT_EQ(config_keys(infos(table)), "name, count, verbose, routes, peers = [...]");
}

TEST(Settings, ReadsTomlThroughTheTable) {
  auto in = read_toml(table, "name = \"a\"\ncount = 3\nroutes = false\npeers = \"p\"\n", "f.toml");
  ASSERT_TRUE(in) << in.error();
  EXPECT_EQ(*in->name.value, "a");
  EXPECT_EQ(in->name.file, "f.toml");
  EXPECT_EQ(*in->count.value, "3");
  EXPECT_FALSE(in->verbose.has());
  EXPECT_FALSE(*in->routes.value);
  EXPECT_EQ(*in->peers.value, std::vector<std::string>{"p"});

  auto bad = read_toml(table, "nam = 1\n", "f.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "f.toml: unknown key \"nam\" (known: name, count, verbose, routes, peers)");
  bad = read_toml(table, "verbose = 1\n", "f.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "f.toml: verbose: expected true or false");
  bad = read_toml(table, "verbose = 1\n", "f.toml", TomlStyle::MustBe);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "f.toml: verbose must be true or false");
}

TEST(Settings, MergeCommandLineWinsAndListsReplace) {
  Input file, cli;
  file.name.set("file", "f.toml");
  file.count.set("1", "f.toml");
  file.peers.set({"a", "b"}, "f.toml");
  cli.count.set("2");
  cli.peers.set({"c"});
  Input m = merge_inputs(table, file, cli);
  EXPECT_EQ(*m.name.value, "file");
  EXPECT_EQ(m.name.file, "f.toml");
  EXPECT_EQ(*m.count.value, "2");
  EXPECT_EQ(m.count.file, "");
  EXPECT_EQ(*m.peers.value, std::vector<std::string>{"c"});
  EXPECT_FALSE(m.verbose.has());
}

TEST(Settings, RenderToml) {
  Input in;
  in.name.set("a\"b");
  in.count.set("12");
  in.verbose.set(true);
  in.peers.set({"p"});
  EXPECT_EQ(render_toml(table, in, {"# head\n", {{"count", "a note"}}}),
            "# head\n"
            "name = \"a\\\"b\"\n"
            "count = 12  # a note\n"
            "verbose = true\n"
            "# routes: not set (default true)\n"
            "peers = [\"p\"]\n");
  EXPECT_THAT(render_toml(table, in, {"", {}, {"peers"}}), HasSubstr("\npeers = \"p\"\n"));
  in.count.set("0x1");  // not a plain number: kept as a string
  EXPECT_THAT(render_toml(table, in, {""}), HasSubstr("\ncount = \"0x1\"\n"));
  // What is printed reads back.
  auto back = read_toml(table, render_toml(table, in, {""}), "p.toml");
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back->name.value, "a\"b");
  EXPECT_TRUE(*back->verbose.value);
}

TEST(Settings, ReferenceTable) {
  EXPECT_EQ(reference_markdown(table),
            "| setting | flag | TOML | default | meaning |\n"
            "| --- | --- | --- | --- | --- |\n"
            "| name | `--name NAME` | `name = \"NAME\"` | x0 | device name |\n"
            "| count | `--count N` | `count = N` | — | how many |\n"
            "| verbose | `--verbose` | `verbose = true\\|false` | false | say more |\n"
            "| routes | `--no-routes` | `routes = true\\|false` | true | do not add routes |\n"
            "| peers | `--peers ADDR\\|NAME` | `peers = [\"ADDR\\|NAME\", ...]` | required | peers to talk to "
            "(repeatable) |\n");
}

// The file the package installs in /etc/sixfour: each key commented out under its help, with the
// default as the value where the default is one; a long help wraps at 100 columns.
TEST(Settings, CommentedConfigFile) {
  EXPECT_EQ(reference_toml(table, "sixfour test"),
            "# Settings of `sixfour test`: every one is commented out, so its default applies. Uncomment and\n"
            "# edit what you need; a flag given on the command line overrides this file.\n"
            "\n# name: device name (default x0).\n#name = \"x0\"\n"
            "\n# count: how many.\n#count = N\n"
            "\n# verbose: say more.\n#verbose = false\n"
            "\n# routes: do not add routes.\n#routes = true\n"
            "\n# peers: peers to talk to (repeatable; required).\n#peers = [\"ADDR|NAME\", ...]\n");
  const std::vector<SettingInfo> wide = {
      {"mtu", SettingKind::Number, "N", "1500", "word"},
      {"tun", SettingKind::Text, "NAME", "the TUN of X", "a b"},
      {"long", SettingKind::Flag, "", "false",
       "aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh iiii jj"}};
  const std::string out = reference_toml(wide, "x");
  EXPECT_THAT(out, HasSubstr("#mtu = 1500\n"));
  EXPECT_THAT(out, HasSubstr("#tun = \"NAME\"\n"));  // a default that is a description is not a value
  EXPECT_THAT(out, HasSubstr("# long: aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg "
                             "hhhhhhhhhh iiii\n# jj.\n"));
}

// Every line of a daemon's file is a comment or blank; its keys with a default as the value,
// uncommented, are TOML the daemon reads (a placeholder such as N or ["ADDR", ...] is not a value).
template <typename In>
void check_commented_file(SettingTable<In> t) {
  std::istringstream lines(reference_toml(t, "sixfour x"));
  std::string uncommented;
  for (std::string line; std::getline(lines, line);) {
    ASSERT_TRUE(line.empty() || line[0] == '#') << line;
    if (line.size() < 2 || line[1] == ' ' || line.find('[') != std::string::npos) continue;
    const std::string value = line.substr(line.find(" = ") + 3);
    if (std::none_of(value.begin(), value.end(), [](char c) { return std::islower(c) || std::isdigit(c); })) continue;
    uncommented += line.substr(1) + "\n";
  }
  auto in = read_toml(t, uncommented, "x.toml");
  EXPECT_TRUE(in) << in.error() << "\n" << uncommented;
}

TEST(Settings, DaemonCommentedConfigFiles) {
  check_commented_file(siit::settings());
  check_commented_file(nat64::settings());
  check_commented_file(dns64::settings());
  check_commented_file(socks::settings());
  check_commented_file(gateway::settings());
  check_commented_file(clat::settings());
}

// A printed value reads back as it was: quotes, backslashes and control characters are escaped
// (the config fuzz target found a user name with a newline printed raw, which TOML refuses).
TEST(Settings, TomlQuoteEscapesWhatTomlRequires) {
  const std::string value = std::string("a\nb\tc\x01\x7f\"d\\e") + '\0' + "f";
  const std::string quoted = toml_quote(value);
  EXPECT_EQ(quoted, "\"a\\nb\\tc\\u0001\\u007F\\\"d\\\\e\\u0000f\"");
  auto in = read_toml(table, "name = " + quoted + "\npeers = \"p\"\n", "f.toml");
  ASSERT_TRUE(in) << in.error();
  EXPECT_EQ(*in->name.value, value);
}

// Every daemon's table: unique names, and a help text for each.
template <typename In>
void check_table(SettingTable<In> t) {
  std::vector<std::string_view> seen;
  for (const Setting<In>& s : t) {
    EXPECT_FALSE(s.info.help.empty()) << s.info.name;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), s.info.name), 0) << s.info.name;
    EXPECT_EQ(s.info.help.find("(default"), std::string_view::npos) << s.info.name << ": the default is generated";
    seen.push_back(s.info.name);
  }
}

TEST(Settings, DaemonTables) {
  check_table(siit::settings());
  check_table(nat64::settings());
  check_table(dns64::settings());
  check_table(socks::settings());
  check_table(gateway::settings());
  check_table(clat::settings());
}

// ---- docs/configuration.md holds exactly the generated tables

std::string read_doc() {
  std::ifstream f(std::filesystem::path(SIXFOUR_SOURCE_DIR) / "docs" / "configuration.md");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string documented(const std::string& doc, const std::string& daemon) {
  const std::string begin = "<!-- generated: sixfour " + daemon + " --print-reference -->\n";
  const size_t a = doc.find(begin);
  if (a == std::string::npos) return "(no \"" + begin + "\" in docs/configuration.md)";
  const size_t b = doc.find("<!-- end -->", a);
  if (b == std::string::npos) return "(no end marker)";
  return doc.substr(a + begin.size(), b - a - begin.size());
}

TEST(Settings, DocsHoldTheGeneratedReference) {
  const std::string doc = read_doc();
  ASSERT_FALSE(doc.empty()) << "docs/configuration.md not found";
  EXPECT_EQ(documented(doc, "siit"), reference_markdown(siit::settings()));
  EXPECT_EQ(documented(doc, "nat64"), reference_markdown(nat64::settings()));
  EXPECT_EQ(documented(doc, "dns64"), reference_markdown(dns64::settings()));
  EXPECT_EQ(documented(doc, "socks"), reference_markdown(socks::settings()));
  EXPECT_EQ(documented(doc, "gateway"), reference_markdown(gateway::settings()));
  EXPECT_EQ(documented(doc, "clat"), reference_markdown(clat::settings()));
}

}  // namespace
}  // namespace sixfour
