using System.Collections;
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PaymentNotifications.Tests.ClientApi.Api;

/// <summary>Keeps every log entry at every level as text: category, message, structured values, scopes and exception.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder().Append(formatter(state, exception));
            Append(text, state);
            provider._scopes.ForEachScope((scope, builder) => Append(builder.Append(" scope:"), scope), text);
            text.Append(' ').Append(exception);
            provider.Entries.Enqueue((logLevel, category, text.ToString()));
        }

        private static void Append(StringBuilder text, object? value)
        {
            switch (value)
            {
                case string s:
                    text.Append(' ').Append(s);
                    break;
                case IEnumerable<KeyValuePair<string, object?>> pairs:
                    foreach (var (key, item) in pairs)
                    {
                        text.Append(' ').Append(key).Append('=');
                        Append(text, item);
                    }
                    break;
                case IEnumerable items:
                    foreach (var item in items)
                    {
                        Append(text, item);
                    }
                    break;
                default:
                    text.Append(' ').Append(value);
                    break;
            }
        }
    }
}
