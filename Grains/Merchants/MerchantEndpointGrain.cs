using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PaymentNotifications.Grains.Delivery;
using PaymentNotifications.Grains.Interfaces.Merchants;
using PaymentNotifications.Grains.Interfaces.Tenants;
using PaymentNotifications.Grains.Security;
using PaymentNotifications.Grains.Webhooks;
using Orleans;
using Orleans.Runtime;
using PaymentNotifications.Grains.Storage;
using PaymentNotifications.Grains.Tenants;

namespace PaymentNotifications.Grains.Merchants;

/// <summary>The durable state of a merchant's webhook endpoint.</summary>
public sealed class MerchantEndpointState
{
    /// <summary>2: secrets are sealed by <see cref="SecretProtector"/>; 1: they were stored in clear (sealed on activation).</summary>
    public int SchemaVersion { get; set; } = 2;
    public bool Exists { get; set; }
    public string Url { get; set; } = "";

    /// <summary>Newest first, each value sealed; older ones carry the end of their rotation overlap.</summary>
    public List<SigningSecret> Secrets { get; set; } = [];
    public bool Enabled { get; set; }
    public List<string> EventTypes { get; set; } = [];
    public string? DisabledReason { get; set; }
    public DateTimeOffset? FailingSince { get; set; }
    public string? LastError { get; set; }
}

/// <summary>
/// A merchant's webhook endpoint: URL, signing secrets with rotation overlap, event-type filter,
/// and the failing streak that disables it when deliveries keep failing. Secrets are stored sealed
/// (AES-GCM, bound to this grain's key) and opened only in memory.
/// </summary>
[GrainType("merchant-endpoint")]
public sealed class MerchantEndpointGrain(
    [PersistentState("merchant-endpoint", StorageNames.Grains)] IPersistentState<MerchantEndpointState> endpoint,
    TimeProvider time,
    IOptions<WebhookEndpointOptions> options,
    SecretProtector protector,
    WebhookTargetCache targets,
    IStoredItemIndex index,
    ILogger<MerchantEndpointGrain> logger) : Grain, IMerchantEndpointGrain
{
    // Immutable snapshot read by interleaved GetTarget calls; replaced after every change.
    private volatile WebhookTarget? _target;

    private MerchantEndpointState State
    {
        get => endpoint.State;
        set => endpoint.State = value;
    }

    private string SealContext => $"merchant-endpoint/{this.GetPrimaryKeyString()}";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Exists && State.Secrets.Any(s => !SecretProtector.IsSealed(s.Value)))
        {
            // Written before secrets were encrypted: seal them now rather than at the next change.
            State.Secrets = State.Secrets.Select(s => SecretProtector.IsSealed(s.Value) ? s : s with { Value = Seal(s.Value) }).ToList();
            State.SchemaVersion = 2;
            await endpoint.WriteStateAsync();
        }
        RefreshTarget();
    }

    public async Task<WebhookEndpointView> Put(WebhookEndpointRequest request)
    {
        var secret = string.IsNullOrEmpty(request.Secret) ? WebhookSecret.Generate().Value : WebhookSecret.Parse(request.Secret).Value;
        var previous = State;
        await Place.WriteAsync(!previous.Exists, () =>
        {
            State = new MerchantEndpointState
            {
                Exists = true,
                Url = request.Url!,
                Secrets = [new SigningSecret(Seal(secret), null)],
                Enabled = true,
                EventTypes = request.EventTypes?.Distinct(StringComparer.Ordinal).ToList() ?? [],
            };
            return endpoint.WriteStateAsync();
        }, () => State = previous);
        RefreshTarget();
        return View()!;
    }

    public Task<WebhookEndpointView?> Get() => Task.FromResult(View());

    public async Task<bool> Delete()
    {
        if (!State.Exists)
        {
            return false;
        }
        await endpoint.ClearStateAsync();
        State = new MerchantEndpointState();
        RefreshTarget();
        await Place.GiveBackAsync();
        return true;
    }

    public async Task<RotatedSecret?> RotateSecret()
    {
        if (!State.Exists)
        {
            return null;
        }
        var now = time.GetUtcNow();
        var overlapEnds = now + DurationText.Parse(options.Value.SecretRotationOverlap);
        var fresh = WebhookSecret.Generate().Value;
        State.Secrets = State.Secrets
            .Where(s => s.ExpiresAt is null || s.ExpiresAt > now)
            .Select(s => s.ExpiresAt is { } end && end < overlapEnds ? s : s with { ExpiresAt = overlapEnds })
            .Prepend(new SigningSecret(Seal(fresh), null))
            .ToList();
        await endpoint.WriteStateAsync();
        RefreshTarget();
        return new RotatedSecret(fresh, overlapEnds);
    }

    private StoredItemPlace Place => new(GrainFactory, index, StoredKind.WebhookEndpoints, this.GetPrimaryKeyString());

    public Task<WebhookTarget?> GetTarget() => Task.FromResult(_target);

    public async Task ReportDelivery(bool succeeded, bool disableNow, string? error)
    {
        if (!State.Exists)
        {
            return;
        }
        var now = time.GetUtcNow();
        if (succeeded)
        {
            if (State.FailingSince is null)
            {
                return;
            }
            State.FailingSince = null;
            State.LastError = null;
        }
        else
        {
            State.FailingSince ??= now;
            State.LastError = error;
            if (State.Enabled && (disableNow || now - State.FailingSince >= DurationText.Parse(options.Value.DisableAfter)))
            {
                State.Enabled = false;
                State.DisabledReason = disableNow
                    ? $"The endpoint answered {error}; re-enable it with PUT."
                    : $"Every delivery failed since {State.FailingSince:O} (last: {error}); re-enable it with PUT.";
                logger.LogWarning("Webhook endpoint {Endpoint} disabled: {Reason}", this.GetPrimaryKeyString(), State.DisabledReason);
            }
        }
        await endpoint.WriteStateAsync();
        RefreshTarget();
    }

    private WebhookEndpointView? View() => State.Exists
        ? new WebhookEndpointView
        {
            Url = State.Url,
            Secret = Open(State.Secrets[0].Value),
            Enabled = State.Enabled,
            EventTypes = State.EventTypes.ToList(),
            DisabledReason = State.DisabledReason,
            FailingSince = State.FailingSince,
        }
        : null;

    private void RefreshTarget()
    {
        _target = State.Exists
            ? new WebhookTarget(State.Url, State.Secrets.Select(s => s with { Value = Open(s.Value) }).ToList(), State.Enabled, State.EventTypes.ToList(), State.FailingSince)
            : null;
        targets.Changed(this.GetPrimaryKeyString(), _target);
    }

    private string Seal(string secret) => protector.Seal(secret, SealContext);

    private string Open(string stored) => protector.Open(stored, SealContext);
}
