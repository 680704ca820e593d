<#
.SYNOPSIS
Builds nxcred from this checkout with the local Go and installs it for the current user.

.DESCRIPTION
Installs to %LOCALAPPDATA%\Programs\nxcred (or -Prefix):
  nxcred.exe, git-credential-nxcred.exe and docker-credential-nxcred.exe (copies:
  nxcred picks git's or docker's protocol from its own name), nxcred-completion.ps1,
  and install-manifest, the list of those files. Adds the folder to the user's PATH
  and runs the installed "nxcred version". Running it again replaces the same files.
  -Uninstall removes exactly the files in the manifest, the manifest, and the PATH entry.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File .\install.ps1
#>
[CmdletBinding()]
param(
    [string]$Prefix = (Join-Path $env:LOCALAPPDATA 'Programs\nxcred'),
    [switch]$Uninstall
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Say([string]$Message) { [Console]::Error.WriteLine("install.ps1: $Message") }
function Fail([string]$Message) { [Console]::Error.WriteLine("install.ps1: error: $Message"); exit 1 }

$Prefix = [IO.Path]::GetFullPath($Prefix).TrimEnd('\')
$Manifest = Join-Path $Prefix 'install-manifest'
$Names = @('nxcred.exe', 'git-credential-nxcred.exe', 'docker-credential-nxcred.exe', 'nxcred-completion.ps1')

# The user's PATH is edited in the registry, keeping its value type, because
# [Environment]::SetEnvironmentVariable would turn a REG_EXPAND_SZ PATH into
# REG_SZ and break entries such as %USERPROFILE%\bin.
function Set-UserPath([bool]$Present) {
    $key = [Microsoft.Win32.Registry]::CurrentUser.OpenSubKey('Environment', $true)
    try {
        $old = [string]$key.GetValue('Path', '', 'DoNotExpandEnvironmentNames')
        $kind = 'ExpandString'
        if ($old -ne '') { $kind = $key.GetValueKind('Path') }
        $parts = @($old -split ';' | Where-Object { $_ -ne '' -and $_.TrimEnd('\') -ne $Prefix })
        if ($Present) { $parts += $Prefix }
        $new = $parts -join ';'
        if ($new -eq $old) { return }
        $key.SetValue('Path', $new, $kind)
    } finally { $key.Close() }
    # Setting any user variable through .NET broadcasts WM_SETTINGCHANGE, so new
    # terminals started from Explorer see the new PATH.
    [Environment]::SetEnvironmentVariable('NXCRED_INSTALL_TMP', '1', 'User')
    [Environment]::SetEnvironmentVariable('NXCRED_INSTALL_TMP', $null, 'User')
    if ($Present) { Say "added $Prefix to your user PATH; open a new terminal to use it" }
    else { Say "removed $Prefix from your user PATH" }
}

if ($Uninstall) {
    if (-not (Test-Path -LiteralPath $Manifest -PathType Leaf)) {
        Say "nothing to uninstall: no $Manifest"
        exit 0
    }
    foreach ($f in Get-Content -LiteralPath $Manifest) {
        if ($f -eq '') { continue }
        # Only names this script installs, only in the prefix: a damaged
        # manifest cannot make it delete anything else.
        if ((Split-Path -Parent $f) -ne $Prefix -or $Names -notcontains (Split-Path -Leaf $f)) {
            Say "skipping '$f' from the manifest: not a file install.ps1 installs"
            continue
        }
        if (Test-Path -LiteralPath $f -PathType Leaf) {
            Remove-Item -LiteralPath $f -Force
            Say "removed $f"
        }
    }
    Remove-Item -LiteralPath $Manifest -Force
    Say "removed $Manifest"
    if (-not (Get-ChildItem -LiteralPath $Prefix -Force)) { Remove-Item -LiteralPath $Prefix }
    Set-UserPath $false
    Say "uninstalled nxcred from $Prefix"
    exit 0
}

# go -C and git -C build from the checkout without moving the caller's session.
$src = $PSScriptRoot
if (-not (Select-String -LiteralPath (Join-Path $src 'go.mod') -Pattern '^module github.com/nxcred/nxcred$' -Quiet -ErrorAction SilentlyContinue)) {
    Fail "run install.ps1 from an nxcred checkout (no nxcred go.mod in $src)"
}
if (-not (Get-Command go -ErrorAction SilentlyContinue)) {
    Fail 'go is not on PATH; install Go 1.26 or later from https://go.dev/dl/ and run .\install.ps1 again'
}

$version = ''
$buildvcs = @()
if ((Get-Command git -ErrorAction SilentlyContinue) -and (Test-Path -LiteralPath (Join-Path $src '.git'))) {
    # try: Windows PowerShell 5.1 turns redirected stderr into a terminating
    # error under ErrorActionPreference Stop (say, git's "dubious ownership").
    try {
        $version = (& git -C $src describe --tags --always --dirty 2>$null | Out-String).Trim()
        if ($LASTEXITCODE -ne 0) { $version = '' }
    } catch { $version = '' }
}
if ($version -eq '') {
    $version = 'devel'
    $buildvcs = @('-buildvcs=false') # go build's VCS stamping fails without a working git
}

$tmp = Join-Path ([IO.Path]::GetTempPath()) ('nxcred-install.' + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $tmp | Out-Null
$saved = @{ CGO_ENABLED = $env:CGO_ENABLED; GOOS = $env:GOOS; GOARCH = $env:GOARCH }
try {
    # Static build for this machine, whatever the session has set; restored
    # below so the caller's session is left as it was.
    $env:GOOS = (& go -C $src env GOHOSTOS).Trim()
    $env:GOARCH = (& go -C $src env GOHOSTARCH).Trim()
    $env:CGO_ENABLED = '0'
    Say "building nxcred $version for $($env:GOOS)/$($env:GOARCH)"
    & go -C $src build @buildvcs -trimpath -ldflags "-s -w -X main.buildVersion=$version" -o (Join-Path $tmp 'nxcred.exe') .
    if ($LASTEXITCODE -ne 0) { Fail 'go build failed (see above)' }
    $built = Join-Path $tmp 'nxcred.exe'
    & $built completion powershell | Set-Content -LiteralPath (Join-Path $tmp 'nxcred-completion.ps1') -Encoding UTF8
    if ($LASTEXITCODE -ne 0) { Fail 'nxcred completion powershell failed' }

    New-Item -ItemType Directory -Force -Path $Prefix | Out-Null
    # The manifest goes first, so -Uninstall after an interrupted install still
    # finds every file.
    $part = "$Manifest.install-tmp"
    Set-Content -LiteralPath $part -Value @($Names | ForEach-Object { Join-Path $Prefix $_ }) -Encoding UTF8
    Move-Item -LiteralPath $part -Destination $Manifest -Force
    # Copy to a temporary name in the prefix, then rename over the old file, so
    # an interrupted install never leaves a half-written program. The git and
    # docker names are copies: nxcred picks the protocol from its own name.
    foreach ($name in $Names) {
        $from = 'nxcred.exe'
        if ($name -like '*.ps1') { $from = $name }
        $dest = Join-Path $Prefix $name
        $part = "$dest.install-tmp"
        Copy-Item -LiteralPath (Join-Path $tmp $from) -Destination $part -Force
        try { Move-Item -LiteralPath $part -Destination $dest -Force }
        catch {
            Remove-Item -LiteralPath $part -Force -ErrorAction SilentlyContinue
            Fail "could not replace $dest (is it running? close git, docker or nxcred and try again): $_"
        }
    }
} finally {
    foreach ($k in $saved.Keys) {
        if ($null -eq $saved[$k]) { Remove-Item -Path "Env:$k" -ErrorAction SilentlyContinue }
        else { Set-Item -Path "Env:$k" -Value $saved[$k] }
    }
    Remove-Item -LiteralPath $tmp -Recurse -Force -ErrorAction SilentlyContinue
}
Say "installed nxcred.exe, git-credential-nxcred.exe, docker-credential-nxcred.exe in $Prefix"

Set-UserPath $true
if (@($env:Path -split ';' | ForEach-Object { $_.TrimEnd('\') }) -notcontains $Prefix) { $env:Path = "$env:Path;$Prefix" }

$completion = Join-Path $Prefix 'nxcred-completion.ps1'
$line = ". '$($completion -replace "'", "''")'"
$profilePath = Get-Variable -Name PROFILE -ValueOnly -ErrorAction SilentlyContinue
$profileText = $null
if ($profilePath -and (Test-Path -LiteralPath $profilePath)) { $profileText = Get-Content -LiteralPath $profilePath -Raw }
if (-not $profileText -or -not $profileText.Contains($completion)) {
    Say "for tab completion, add this line to your PowerShell profile ($profilePath):"
    [Console]::Error.WriteLine("`n    $line`n")
}

& (Join-Path $Prefix 'nxcred.exe') version
if ($LASTEXITCODE -ne 0) { Fail "the installed $Prefix\nxcred.exe does not run" }
