using System.Globalization;
using PaymentNotifications.Grains.Delivery;

namespace PaymentNotifications.LoadTest.Cli;

/// <summary>A command line of the form <c>command --name value --flag</c>, read with typed getters that remember what was used.</summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private CommandArguments(string command) => Command = command;

    /// <summary>The first word: run, search, bench, soak.</summary>
    public string Command { get; }

    /// <summary>Parses arguments; an option is <c>--name value</c>, <c>--name=value</c>, or a bare <c>--flag</c>.</summary>
    /// <exception cref="CommandLineException">No command, or an argument that is not an option.</exception>
    public static CommandArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new CommandLineException("Give a command first: run, search, bench or soak (--help for usage).");
        }
        var parsed = new CommandArguments(args[0]);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new CommandLineException($"Unexpected argument '{arg}': options are written --name value.");
            }
            var name = arg[2..];
            string? value = null;
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            parsed._options[name] = value;
        }
        return parsed;
    }

    public bool Has(string name)
    {
        _read.Add(name);
        return _options.ContainsKey(name);
    }

    public string? String(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var value) ? value ?? throw new CommandLineException($"--{name} needs a value.") : null;
    }

    public string String(string name, string fallback) => String(name) ?? fallback;

    public string Required(string name, string hint) =>
        String(name) ?? throw new CommandLineException($"--{name} is required: {hint}");

    public int Int(string name, int fallback) => String(name) is { } text
        ? int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(name, text, "a whole number")
        : fallback;

    public long Long(string name, long fallback) => String(name) is { } text
        ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(name, text, "a whole number")
        : fallback;

    public double Double(string name, double fallback) => String(name) is { } text
        ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw Invalid(name, text, "a number")
        : fallback;

    /// <summary>A duration such as 500ms, 30s, 10m or 00:01:00.</summary>
    public TimeSpan Duration(string name, TimeSpan fallback) => String(name) is { } text
        ? DurationText.TryParse(text, out var value) ? value : throw Invalid(name, text, "a duration such as 500ms, 30s or 10m")
        : fallback;

    public TimeSpan? Duration(string name) => Has(name) ? Duration(name, TimeSpan.Zero) : null;

    /// <summary>A flag: present without a value (or with true/false).</summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        if (!_options.TryGetValue(name, out var value))
        {
            return false;
        }
        return value is null || (bool.TryParse(value, out var parsed) ? parsed : throw Invalid(name, value, "true or false"));
    }

    /// <summary>Fails on options no getter asked for, so a misspelt option is not silently ignored.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _options.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new CommandLineException($"Unknown option(s) for '{Command}': {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }

    private static CommandLineException Invalid(string name, string text, string expected) =>
        new($"--{name} '{text}' is not {expected}.");
}

/// <summary>A command line that cannot be run as given; the message says why.</summary>
public sealed class CommandLineException(string message) : Exception(message);
