using System.Text.Json.Nodes;
using PaymentNotifications.Client;
using PaymentNotifications.Client.Models;
using Contracts = PaymentNotifications.Grains.Interfaces.Contracts;

namespace PaymentNotifications.LoadTest.Load;

/// <summary>Submits through the typed .NET client (its own retries off, so every answer is counted as it came).</summary>
public sealed class ClientSubmitter : ISubmitter
{
    private readonly NotificationsClient[] _clients;
    private long _next;

    public ClientSubmitter(ConnectionOptions connection, string apiKey)
    {
        _clients = connection.Targets.Select(target => new NotificationsClient(new NotificationsClientOptions
        {
            BaseAddress = target,
            ApiKey = apiKey,
            MaxRetries = 0,
            AttemptTimeout = connection.RequestTimeout,
            Timeout = connection.RequestTimeout,
        })).ToArray();
    }

    public async Task<SubmitAnswer> SubmitAsync(PlannedRequest request, CancellationToken cancellationToken)
    {
        var client = _clients[(int)((ulong)Interlocked.Increment(ref _next) % (ulong)_clients.Length)];
        try
        {
            var result = await client.SubmitAsync(ToClientRequest(request), cancellationToken);
            return new SubmitAnswer(result.Created ? 202 : 200, result.Notification.Id, null);
        }
        catch (NotificationsApiException e)
        {
            return new SubmitAnswer((int)e.StatusCode, null, null);
        }
        catch (TimeoutException)
        {
            return new SubmitAnswer(0, null, "timeout");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SubmitAnswer(0, null, "timeout");
        }
        catch (HttpRequestException e)
        {
            return new SubmitAnswer(0, null, HttpSubmitter.Describe(e));
        }
    }

    /// <summary>The client's request for a generated body (the body is the source of truth for every field).</summary>
    public static NotificationRequest ToClientRequest(PlannedRequest request)
    {
        var body = JsonNode.Parse(request.Body)!.AsObject();
        var recipient = body["recipient"]?.AsObject();
        var content = body["content"]?.AsObject();
        return new NotificationRequest(request.IdempotencyKey, body["type"]!.GetValue<string>(), request.Channel switch
        {
            Contracts.Channel.Sms => Channel.Sms,
            Contracts.Channel.Email => Channel.Email,
            Contracts.Channel.Push => Channel.Push,
            _ => Channel.Webhook,
        })
        {
            Recipient = recipient is null ? null : new Recipient
            {
                MerchantId = (string?)recipient["merchantId"],
                Phone = (string?)recipient["phone"],
                Email = (string?)recipient["email"],
                DeviceToken = (string?)recipient["deviceToken"],
                Platform = (string?)recipient["platform"] switch
                {
                    "android" => PushPlatform.Android,
                    "ios" => PushPlatform.Ios,
                    _ => null,
                },
            },
            Data = body["data"]?.AsObject().DeepClone().AsObject(),
            Content = content is null ? null : new NotificationContent((string?)content["subject"], (string?)content["text"], (string?)content["html"]),
        };
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}

/// <summary>Which submitter a run uses.</summary>
public enum SubmitterKind
{
    /// <summary>Raw HTTP with pre-serialized bodies (default: least overhead on the generator).</summary>
    Http,

    /// <summary>The typed .NET client library.</summary>
    Dotnet,
}
