namespace PaymentNotifications.Runtime;

/// <summary>Hands out references to grains; calls on a reference run on the silo that owns the grain.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;

    TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey;
}
