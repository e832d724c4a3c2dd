using System.Diagnostics;
using System.IO.Compression;
using PaymentNotifications.Tests.Infrastructure;
using PaymentNotifications.Tests.Silo;

namespace PaymentNotifications.Tests.ClientApi.Client;

/// <summary>The client is a NuGet package a backend can reference: `dotnet pack` makes it, with its README and XML docs.</summary>
public sealed class PackageTests
{
    [Fact]
    public async Task Dotnet_pack_makes_the_client_package_with_its_readme_and_docs()
    {
        var output = Directory.CreateTempSubdirectory("client-package");
        try
        {
            var pack = new ProcessStartInfo(SiloProcess.DotnetHost())
            {
                WorkingDirectory = RepositoryPaths.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in (string[])["pack", "ClientApi/Client", "-c", "Release", "-o", output.FullName, "--nologo"])
            {
                pack.ArgumentList.Add(argument);
            }
            using var process = Process.Start(pack)!;
            var log = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, log);
            var package = Assert.Single(output.GetFiles("PaymentNotifications.Client.*.nupkg"));
            using var zip = ZipFile.OpenRead(package.FullName);
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("README.md", entries);
            Assert.Contains("lib/net10.0/PaymentNotifications.Client.dll", entries);
            Assert.Contains("lib/net10.0/PaymentNotifications.Client.xml", entries);
            using var readme = new StreamReader(zip.GetEntry("README.md")!.Open());
            Assert.Contains("new NotificationsClient(", await readme.ReadToEndAsync());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }
}
