using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Configuration;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Users;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Users;

public sealed class SlidingWindowLimitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly RateLimitRule ThreePerHour = new(3, TimeSpan.FromHours(1));

    [Theory]
    [InlineData("3/1h", 3, 3600)]
    [InlineData(" 10 / 1d ", 10, 86400)]
    [InlineData("1/30s", 1, 30)]
    public void Rules_are_parsed(string text, int limit, int seconds)
    {
        var rule = RateLimitRule.Parse(text);
        Assert.Equal(limit, rule.Limit);
        Assert.Equal(TimeSpan.FromSeconds(seconds), rule.Window);
    }

    [Theory]
    [InlineData("3", "sends per window")]
    [InlineData("3/1h/2", "sends per window")]
    [InlineData("0/1h", "at least 1")]
    [InlineData("x/1h", "at least 1")]
    [InlineData("3/0s", "longer than zero")]
    [InlineData("3/1y", "unknown unit")]
    public void Bad_rules_say_why(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RateLimitRule.Parse(text));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Rule_prints_in_its_config_form()
    {
        Assert.Equal("3/1h", ThreePerHour.ToString());
    }

    [Fact]
    public void Three_sends_fit_the_fourth_waits_until_the_first_leaves_the_window()
    {
        var window = SlidingWindowLimit.Empty;
        foreach (var minutes in new[] { 0, 10, 20 })
        {
            var reservation = window.TryReserve(ThreePerHour, T0.AddMinutes(minutes));
            Assert.True(reservation.Allowed);
            window = reservation.State;
        }

        var denied = window.TryReserve(ThreePerHour, T0.AddMinutes(30));
        Assert.False(denied.Allowed);
        Assert.Equal(T0.AddHours(1), denied.NextSlotAt);
        Assert.Equal(3, denied.State.Sent.Count);

        Assert.False(window.TryReserve(ThreePerHour, T0.AddHours(1).AddTicks(-1)).Allowed);
        var freed = window.TryReserve(ThreePerHour, T0.AddHours(1));
        Assert.True(freed.Allowed);
        Assert.Equal(new[] { T0.AddMinutes(10), T0.AddMinutes(20), T0.AddHours(1) }, freed.State.Sent);
    }

    [Fact]
    public void A_lowered_limit_waits_for_enough_old_sends_to_leave()
    {
        var window = new SlidingWindowLimit([T0, T0.AddMinutes(10), T0.AddMinutes(20)]);
        var denied = window.TryReserve(new RateLimitRule(2, TimeSpan.FromHours(1)), T0.AddMinutes(30));
        Assert.Equal(T0.AddMinutes(70), denied.NextSlotAt);
    }

    [Fact]
    public void Reserving_never_changes_the_original()
    {
        var window = new SlidingWindowLimit([T0.AddMinutes(-90), T0]);
        _ = window.TryReserve(ThreePerHour, T0.AddMinutes(1));
        Assert.Equal(new[] { T0.AddMinutes(-90), T0 }, window.Sent);
    }

    [Fact]
    public void Sends_are_kept_in_order_and_old_ones_pruned()
    {
        var window = new SlidingWindowLimit([T0.AddMinutes(5), T0.AddHours(-2), T0]);
        Assert.Equal(new[] { T0.AddHours(-2), T0, T0.AddMinutes(5) }, window.Sent);
        Assert.Equal(new[] { T0, T0.AddMinutes(5) }, window.Prune(TimeSpan.FromHours(1), T0.AddMinutes(30)).Sent);
        var late = window.TryReserve(ThreePerHour, T0.AddMinutes(1)).State;
        Assert.Equal(new[] { T0, T0.AddMinutes(1), T0.AddMinutes(5) }, late.Sent);
    }

    [Fact]
    public void No_window_ever_holds_more_allowed_sends_than_the_limit_and_denials_name_a_later_free_slot()
    {
        var gen =
            from limit in Gen.Choose(1, 5)
            from windowMinutes in Gen.Choose(1, 120)
            from gaps in Gen.ListOf(Gen.Choose(0, 60), 40)
            select (Rule: new RateLimitRule(limit, TimeSpan.FromMinutes(windowMinutes)), Gaps: gaps);

        Check.QuickThrowOnFailure(Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var window = SlidingWindowLimit.Empty;
            var allowed = new List<DateTimeOffset>();
            var now = T0;
            foreach (var gap in c.Gaps)
            {
                now = now.AddMinutes(gap);
                var reservation = window.TryReserve(c.Rule, now);
                if (reservation.Allowed)
                {
                    allowed.Add(now);
                }
                else if (reservation.NextSlotAt is not { } next || next <= now || !reservation.State.TryReserve(c.Rule, next).Allowed)
                {
                    return false;
                }

                window = reservation.State;
            }

            return allowed.All(t => allowed.Count(u => u <= t && u > t - c.Rule.Window) <= c.Rule.Limit);
        }));
    }

    [Fact]
    public void Default_policy_limits_sms_to_three_per_hour_and_nothing_else()
    {
        var policy = RateLimitPolicy.Default;
        var scope = Assert.Single(policy.ScopesFor(Channel.Sms, "otp"));
        Assert.Equal("sms", scope.Key);
        Assert.Equal(ThreePerHour, scope.Rule);
        Assert.Empty(policy.ScopesFor(Channel.Email, "otp"));
        Assert.Empty(policy.ScopesFor(Channel.Push, "otp"));
    }

    [Fact]
    public void A_user_gets_three_sms_per_hour_whatever_the_priority_or_type()
    {
        var limits = UserRateLimits.Empty;
        foreach (var type in new[] { "otp", "charge.paid", "otp" })
        {
            var ok = limits.TryReserve(RateLimitPolicy.Default, Channel.Sms, type, T0);
            Assert.True(ok.Allowed);
            limits = ok.State;
        }

        var denied = limits.TryReserve(RateLimitPolicy.Default, Channel.Sms, "otp", T0.AddMinutes(1));
        Assert.False(denied.Allowed);
        Assert.Equal(T0.AddHours(1), denied.RetryAt);
        Assert.Equal(new[] { "sms 3/1h" }, denied.LimitedBy);
        Assert.Equal(limits, denied.State);
        Assert.True(limits.TryReserve(RateLimitPolicy.Default, Channel.Email, "otp", T0.AddMinutes(1)).Allowed);
    }

    [Fact]
    public void A_type_limit_counts_that_type_alone_and_a_denied_send_is_recorded_nowhere()
    {
        var options = new RateLimitOptions();
        options.Types["marketing"] = new() { ["sms"] = "1/1d" };
        var policy = options.BuildPolicy();

        var first = UserRateLimits.Empty.TryReserve(policy, Channel.Sms, "marketing", T0);
        Assert.True(first.Allowed);
        Assert.Equal(new[] { "sms", "sms/marketing" }, first.State.Windows.Keys.Order());

        var second = first.State.TryReserve(policy, Channel.Sms, "marketing", T0.AddMinutes(1));
        Assert.False(second.Allowed);
        Assert.Equal(T0.AddDays(1), second.RetryAt);
        Assert.Equal(new[] { "sms/marketing 1/1d" }, second.LimitedBy);
        Assert.Single(second.State.Windows["sms"].Sent);

        var other = second.State.TryReserve(policy, Channel.Sms, "charge.paid", T0.AddMinutes(2));
        Assert.True(other.Allowed);
        Assert.Equal(2, other.State.Windows["sms"].Sent.Count);
    }

    [Fact]
    public void When_several_limits_are_full_the_retry_is_when_all_have_room()
    {
        var policy = new RateLimitPolicy(
            new Dictionary<Channel, RateLimitRule> { [Channel.Push] = new(1, TimeSpan.FromMinutes(10)) },
            new Dictionary<(string, Channel), RateLimitRule> { [("news", Channel.Push)] = new(1, TimeSpan.FromHours(2)) });
        var state = UserRateLimits.Empty.TryReserve(policy, Channel.Push, "news", T0).State;
        var denied = state.TryReserve(policy, Channel.Push, "news", T0.AddMinutes(1));
        Assert.Equal(T0.AddHours(2), denied.RetryAt);
        Assert.Equal(2, denied.LimitedBy.Count);
    }

    [Fact]
    public void Pruning_drops_expired_sends_and_counters_the_policy_no_longer_has()
    {
        var state = new UserRateLimits(new Dictionary<string, SlidingWindowLimit>
        {
            ["sms"] = new([T0.AddHours(-2), T0.AddMinutes(-5)]),
            ["email"] = new([T0]),
            ["sms/old-type"] = new([T0]),
        });

        var pruned = state.Prune(RateLimitPolicy.Default, T0);

        Assert.Equal(new[] { "sms" }, pruned.Windows.Keys);
        Assert.Equal(new[] { T0.AddMinutes(-5) }, pruned.Windows["sms"].Sent);
    }

    [Fact]
    public void State_round_trips_through_json()
    {
        var state = UserRateLimits.Empty.TryReserve(RateLimitPolicy.Default, Channel.Sms, "otp", T0).State;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var copy = JsonSerializer.Deserialize<UserRateLimits>(JsonSerializer.Serialize(state, options), options);
        Assert.Equal(state, copy);
        Assert.Equal(new[] { T0 }, copy!.Windows["sms"].Sent);
    }

    [Fact]
    public void Options_bind_from_configuration_and_off_removes_a_limit()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RateLimits:Channels:sms"] = "off",
            ["RateLimits:Channels:push"] = "5/10m",
            ["RateLimits:Types:marketing:email"] = "2/1d",
        }).Build();
        var options = new RateLimitOptions();
        configuration.GetSection(RateLimitOptions.SectionName).Bind(options);

        var policy = options.BuildPolicy();

        Assert.Empty(policy.ScopesFor(Channel.Sms, "otp"));
        Assert.Equal(new RateLimitRule(5, TimeSpan.FromMinutes(10)), Assert.Single(policy.ScopesFor(Channel.Push, "otp")).Rule);
        Assert.Equal("email/marketing", Assert.Single(policy.ScopesFor(Channel.Email, "marketing")).Key);
    }

    [Fact]
    public void Bad_options_name_their_keys()
    {
        var options = new RateLimitOptions();
        options.Channels["fax"] = "1/1h";
        options.Channels["sms"] = "lots";
        options.Types["marketing"] = new() { ["email"] = "0/1d" };

        var errors = options.Validate();

        Assert.Contains(errors, e => e.StartsWith("RateLimits:Channels:fax") && e.Contains("unknown channel"));
        Assert.Contains(errors, e => e.StartsWith("RateLimits:Channels:sms"));
        Assert.Contains(errors, e => e.StartsWith("RateLimits:Types:marketing:email"));
        Assert.Throws<InvalidOperationException>(options.BuildPolicy);
    }
}
