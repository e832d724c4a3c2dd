using System.Text.Json;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Users;
using Xunit;

namespace PaymentNotifications.Tests.Grains.Users;

public sealed class UserPreferencesTests
{
    // 23:30 in Lagos (UTC+1): inside 22:00-07:00.
    private static readonly DateTimeOffset Night = new(2026, 5, 1, 22, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Noon = new(2026, 5, 1, 11, 0, 0, TimeSpan.Zero);
    private static readonly QuietHours LagosNights = new("22:00", "07:00", "Africa/Lagos");

    private static UserPreferences Prefs(
        Dictionary<Channel, bool>? channels = null,
        Dictionary<string, IReadOnlyDictionary<Channel, bool>>? types = null,
        QuietHours? quiet = null) => new()
        {
            Channels = channels ?? [],
            Types = types ?? [],
            QuietHours = quiet,
        };

    [Fact]
    public void Without_preferences_everything_is_delivered()
    {
        Assert.Equal(PreferenceDecision.Deliver, UserPreferences.Default.Evaluate("charge.paid", Channel.Sms, Priority.Normal, Night));
    }

    [Fact]
    public void Channel_opt_out_makes_normal_notifications_not_apply()
    {
        var decision = Prefs(new() { [Channel.Push] = false }).Evaluate("charge.paid", Channel.Push, Priority.Normal, Noon);
        Assert.Equal(PreferenceOutcome.NotApply, decision.Outcome);
        Assert.Contains("push", decision.Reason);
    }

    [Fact]
    public void Critical_notifications_bypass_a_channel_opt_out()
    {
        var decision = Prefs(new() { [Channel.Sms] = false }).Evaluate("otp", Channel.Sms, Priority.Critical, Noon);
        Assert.Equal(PreferenceOutcome.Deliver, decision.Outcome);
    }

    [Theory]
    [InlineData(Priority.Normal)]
    [InlineData(Priority.Critical)]
    public void An_opt_out_of_the_exact_type_on_the_channel_applies_to_every_priority(Priority priority)
    {
        var prefs = Prefs(types: new() { ["security.alert"] = new Dictionary<Channel, bool> { [Channel.Email] = false } });
        var decision = prefs.Evaluate("security.alert", Channel.Email, priority, Noon);
        Assert.Equal(PreferenceOutcome.NotApply, decision.Outcome);
        Assert.Contains("security.alert", decision.Reason);
    }

    [Fact]
    public void Type_opt_out_touches_neither_other_channels_nor_other_types()
    {
        var prefs = Prefs(types: new() { ["marketing"] = new Dictionary<Channel, bool> { [Channel.Sms] = false } });
        Assert.Equal(PreferenceOutcome.NotApply, prefs.Evaluate("marketing", Channel.Sms, Priority.Normal, Noon).Outcome);
        Assert.Equal(PreferenceOutcome.Deliver, prefs.Evaluate("marketing", Channel.Email, Priority.Normal, Noon).Outcome);
        Assert.Equal(PreferenceOutcome.Deliver, prefs.Evaluate("charge.paid", Channel.Sms, Priority.Normal, Noon).Outcome);
    }

    [Fact]
    public void A_type_opt_in_wins_over_a_channel_opt_out()
    {
        var prefs = Prefs(
            new() { [Channel.Sms] = false },
            new() { ["charge.paid"] = new Dictionary<Channel, bool> { [Channel.Sms] = true } });
        Assert.Equal(PreferenceOutcome.Deliver, prefs.Evaluate("charge.paid", Channel.Sms, Priority.Normal, Noon).Outcome);
        Assert.Equal(PreferenceOutcome.NotApply, prefs.Evaluate("marketing", Channel.Sms, Priority.Normal, Noon).Outcome);
    }

    [Fact]
    public void Quiet_hours_defer_normal_notifications_to_their_end()
    {
        var decision = Prefs(quiet: LagosNights).Evaluate("charge.paid", Channel.Push, Priority.Normal, Night);
        Assert.Equal(PreferenceOutcome.Defer, decision.Outcome);
        Assert.Equal(new DateTimeOffset(2026, 5, 2, 6, 0, 0, TimeSpan.Zero), decision.DeferUntil);
    }

    [Fact]
    public void Quiet_hours_never_defer_critical_notifications()
    {
        Assert.Equal(PreferenceOutcome.Deliver, Prefs(quiet: LagosNights).Evaluate("otp", Channel.Sms, Priority.Critical, Night).Outcome);
    }

    [Fact]
    public void Outside_quiet_hours_normal_notifications_go_now()
    {
        Assert.Equal(PreferenceOutcome.Deliver, Prefs(quiet: LagosNights).Evaluate("charge.paid", Channel.Email, Priority.Normal, Noon).Outcome);
    }

    [Fact]
    public void An_opt_out_wins_over_quiet_hours()
    {
        var decision = Prefs(new() { [Channel.Sms] = false }, quiet: LagosNights).Evaluate("charge.paid", Channel.Sms, Priority.Normal, Night);
        Assert.Equal(PreferenceOutcome.NotApply, decision.Outcome);
    }

    [Fact]
    public void Webhooks_are_not_governed_by_user_preferences()
    {
        var prefs = Prefs(new() { [Channel.Webhook] = false }, quiet: LagosNights);
        Assert.Equal(PreferenceOutcome.Deliver, prefs.Evaluate("charge.paid", Channel.Webhook, Priority.Normal, Night).Outcome);
    }

    [Fact]
    public void The_api_shape_round_trips_through_json()
    {
        const string json = """
            {
              "channels": { "sms": true, "email": true, "push": false },
              "types": { "marketing": { "sms": false } },
              "quietHours": { "start": "22:00", "end": "07:00", "timeZone": "Africa/Lagos" }
            }
            """;
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);

        var prefs = JsonSerializer.Deserialize<UserPreferences>(json, options)!;

        Assert.False(prefs.Channels[Channel.Push]);
        Assert.False(prefs.Types["marketing"][Channel.Sms]);
        Assert.Equal(LagosNights, prefs.QuietHours);
        Assert.Equal(PreferenceOutcome.NotApply, prefs.Evaluate("marketing", Channel.Sms, Priority.Normal, Noon).Outcome);
        Assert.Equal(PreferenceOutcome.Defer, prefs.Evaluate("charge.paid", Channel.Sms, Priority.Normal, Night).Outcome);

        var written = JsonSerializer.Serialize(prefs, options);
        using var document = JsonDocument.Parse(written);
        Assert.False(document.RootElement.GetProperty("channels").GetProperty("push").GetBoolean());
        Assert.False(document.RootElement.GetProperty("types").GetProperty("marketing").GetProperty("sms").GetBoolean());
        var quiet = document.RootElement.GetProperty("quietHours");
        Assert.Equal("22:00", quiet.GetProperty("start").GetString());
        Assert.Equal("Africa/Lagos", quiet.GetProperty("timeZone").GetString());
        Assert.False(quiet.TryGetProperty("zone", out _));
    }
}
