namespace PaymentNotifications.Grains.Storage;

/// <summary>The Orleans grain storage providers of the product, by name.</summary>
public static class StorageNames
{
    /// <summary>Notification records: the queryable notifications table (or memory in dev mode), written in group commits.</summary>
    public const string Notifications = "notifications";

    /// <summary>Every other grain's state: Orleans' ADO.NET grain storage on PostgreSQL, or memory in dev mode.</summary>
    public const string Grains = "grain-state";
}
