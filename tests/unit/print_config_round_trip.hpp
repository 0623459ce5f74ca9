// The --print-config round trip every daemon's config test checks: a configuration is validated
// and printed as TOML; that TOML must parse, validate again, and print as the same text.
#pragma once
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <type_traits>

namespace configtest {

template <typename Config>
struct RoundTrip {
  std::string text;             // what --print-config printed for `first`
  std::optional<Config> first;  // unset if the input did not validate
  std::optional<Config> again;  // `text` read back; unset (with a test failure) if it did not
};

// `validate(input)` for the first pass, `validate_again(parsed)` for the printed text (a daemon
// whose validation takes host defaults passes other ones there); `parse(text, file)` and
// `render(config)` are the daemon's parse_toml and render_toml.
template <typename Input, typename Parse, typename Validate, typename ValidateAgain, typename Render>
auto print_config_round_trip(const Input& input, Parse parse, Validate validate, ValidateAgain validate_again,
                             Render render) {
  using Config = std::decay_t<decltype(*validate(input))>;
  RoundTrip<Config> r;
  auto c = validate(input);
  if (!c) {
    ADD_FAILURE() << "the input does not validate: " << c.error();
    return r;
  }
  r.first = *c;
  r.text = render(*c);
  auto parsed = parse(r.text, "printed.toml");
  if (!parsed) {
    ADD_FAILURE() << "the printed TOML does not parse: " << parsed.error() << "\n" << r.text;
    return r;
  }
  auto again = validate_again(*parsed);
  if (!again) {
    ADD_FAILURE() << "the printed TOML does not validate: " << again.error() << "\n" << r.text;
    return r;
  }
  EXPECT_EQ(render(*again), r.text);
  r.again = *again;
  return r;
}

template <typename Input, typename Parse, typename Validate, typename Render>
auto print_config_round_trip(const Input& input, Parse parse, Validate validate, Render render) {
  return print_config_round_trip(input, parse, validate, validate, render);
}

}  // namespace configtest
