using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace PaymentNotifications.Grains.Interfaces;

/// <summary>What every Orleans process of the product needs to call its grains, silo or client.</summary>
public static class ContractSerialization
{
    /// <summary>
    /// Notification data travels as <see cref="JsonElement"/>, for which Orleans' serializer has no codec of its own:
    /// it goes through System.Text.Json. Calls Orleans rejected before they ran are sent again (<see cref="RejectedCallRetry"/>).
    /// Call it on a silo's and on a client's services.
    /// </summary>
    public static IServiceCollection AddNotificationContracts(this IServiceCollection services)
    {
        services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: type => type == typeof(JsonElement)));
        services.AddSingleton<IOutgoingGrainCallFilter, RejectedCallRetry>();
        return services;
    }
}
