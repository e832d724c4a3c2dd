using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentNotifications.Api.Validation;
using PaymentNotifications.Grains.Interfaces.Contracts;
using PaymentNotifications.Grains.Interfaces.Notifications;
using PaymentNotifications.Grains.Interfaces.Tenants;

namespace PaymentNotifications.Api;

/// <summary>
/// Parses the query of a list: ?state=&amp;channel=&amp;type=&amp;userId=&amp;since=&amp;limit=&amp;cursor= of notifications, or
/// ?limit=&amp;cursor= of a tenant's stored names; a field error for each bad value.
/// </summary>
public static class ListQuery
{
    public const int DefaultLimit = 50;

    private const string NotACursor = "Not a cursor from a previous page.";

    public static (NotificationFilter? Filter, int Limit, string? Cursor, ProblemHttpResult? Problem) Parse(IQueryCollection query, int maxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        NotificationState? state = null;
        Channel? channel = null;
        DateTimeOffset? since = null;

        if (query.TryGetValue("state", out var stateText))
        {
            if (WireNames.TryParseState(stateText, out var parsed))
            {
                state = parsed;
            }
            else
            {
                errors["state"] = ["Must be one of PENDING, SUCCESS, FAILED, NOT_APPLY, CANCELLED."];
            }
        }
        if (query.TryGetValue("channel", out var channelText))
        {
            if (WireNames.TryParseChannel(channelText, out var parsed))
            {
                channel = parsed;
            }
            else
            {
                errors["channel"] = ["Must be one of webhook, sms, email, push."];
            }
        }
        if (query.TryGetValue("since", out var sinceText))
        {
            if (DateTimeOffset.TryParse(sinceText, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            {
                since = parsed;
            }
            else
            {
                errors["since"] = ["Must be an RFC 3339 time, e.g. 2026-11-21T12:00:00Z."];
            }
        }
        var limit = Limit(query, maxLimit, errors);
        if (query.TryGetValue("type", out var typeText) && typeText.ToString().Length > 0 && FieldRules.NotificationType(typeText) is { } typeError)
        {
            errors["type"] = [typeError];
        }
        if (query.TryGetValue("userId", out var userText) && userText.ToString().Length > 0 && FieldRules.Identifier(userText) is { } userError)
        {
            errors["userId"] = [userError];
        }
        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0 && !NotificationCursor.TryDecode(cursor, out _))
        {
            errors["cursor"] = [NotACursor];
        }
        if (errors.Count > 0)
        {
            return (null, 0, null, ApiProblems.Validation(errors));
        }
        var filter = new NotificationFilter
        {
            State = state,
            Channel = channel,
            Type = NullIfEmpty(query["type"]),
            UserId = NullIfEmpty(query["userId"]),
            Since = since,
        };
        return (filter, limit, cursor.Length > 0 ? cursor : null, null);
    }

    /// <summary>Parses ?limit=&amp;cursor= of a list of the tenant's stored names of <paramref name="kind"/>; <c>After</c> is the name the page starts after.</summary>
    public static (int Limit, string? After, ProblemHttpResult? Problem) ParseNames(IQueryCollection query, StoredKind kind, int maxLimit)
    {
        var errors = new Dictionary<string, string[]>();
        var limit = Limit(query, maxLimit, errors);
        string? after = null;
        var cursor = query["cursor"].ToString();
        if (cursor.Length > 0 && !StoredItemCursor.TryDecode(cursor, kind, out after))
        {
            errors["cursor"] = [NotACursor];
        }
        return errors.Count > 0 ? (0, null, ApiProblems.Validation(errors)) : (limit, after, null);
    }

    private static int Limit(IQueryCollection query, int maxLimit, Dictionary<string, string[]> errors)
    {
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText) && (!int.TryParse(limitText, out limit) || limit < 1 || limit > maxLimit))
        {
            errors["limit"] = [$"Must be a whole number from 1 to {maxLimit}."];
        }
        return limit;
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
