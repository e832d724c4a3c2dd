namespace PaymentNotifications.Tests.Silo;

/// <summary>Folders of the repository the tests read from or write artifacts to.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the nearest folder above the test binaries holding the solution file.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Where test artifacts go (the same folder the TRX results are written to).</summary>
    public static string TestResults => Path.Combine(Root, "TestResults");

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Notifications.Orleans.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Notifications.Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
